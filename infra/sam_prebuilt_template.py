#!/usr/bin/env python3
"""Point template.yaml's functions at zips that cargo-lambda already built.

`template.yaml` says how to build each function (`BuildMethod:
rust-cargolambda`, `CodeUri: .`, `Binary: <name>`), which is what `sam build`
reads. CI builds every function once instead, with
`cargo lambda build --release --arm64 --output-format zip`, so this writes a
copy of the template (as JSON) whose functions' `CodeUri` is
`target/lambda/<binary>/bootstrap.zip`, ready for `sam deploy --template-file`.
`sam deploy` uploads a local .zip as it is.

Usage: sam_prebuilt_template.py TEMPLATE ARTIFACTS_DIR OUTPUT
"""

import json
import os
import sys

import yaml  # PyYAML, installed with aws-sam-cli

MAX_ZIP_BYTES = 4 * 1024 * 1024  # the project's bar for one function's artifact


class _CfnLoader(yaml.SafeLoader):
    """A safe loader that reads CloudFormation's short-form tags (!Ref, !Sub, ...)."""


def _intrinsic(loader, suffix, node):
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    if suffix == "Ref":
        return {"Ref": value}
    if suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    return {"Fn::" + suffix: value}


_CfnLoader.add_multi_constructor("!", _intrinsic)


def main(template_path, artifacts_dir, output_path):
    with open(template_path, encoding="utf-8") as f:
        template = yaml.load(f, Loader=_CfnLoader)  # noqa: S506 - SafeLoader subclass

    artifacts_dir = os.path.abspath(artifacts_dir)
    problems = []
    for logical_id, resource in template.get("Resources", {}).items():
        metadata = resource.get("Metadata", {})
        if resource.get("Type") != "AWS::Serverless::Function" or metadata.get("BuildMethod") != "rust-cargolambda":
            continue
        binary = metadata.get("BuildProperties", {}).get("Binary")
        if not binary:
            problems.append(f"{logical_id}: no Metadata.BuildProperties.Binary")
            continue
        zip_path = os.path.join(artifacts_dir, binary, "bootstrap.zip")
        if not os.path.isfile(zip_path):
            problems.append(f"{logical_id}: {zip_path} is missing (run cargo lambda build --output-format zip)")
            continue
        size = os.path.getsize(zip_path)
        if size > MAX_ZIP_BYTES:
            print(f"::warning::{binary}/bootstrap.zip is {size} bytes, over the {MAX_ZIP_BYTES}-byte budget")
        resource["Properties"]["CodeUri"] = zip_path
        del resource["Metadata"]["BuildMethod"]
        resource["Metadata"].pop("BuildProperties", None)
        if not resource["Metadata"]:
            del resource["Metadata"]
        print(f"{logical_id}: {zip_path} ({size} bytes)")

    # Every function now names its own zip; a directory left in Globals
    # would make `sam deploy` zip and upload it as well.
    template.get("Globals", {}).get("Function", {}).pop("CodeUri", None)

    if problems:
        for p in problems:
            print(f"::error::{p}", file=sys.stderr)
        return 1

    os.makedirs(os.path.dirname(os.path.abspath(output_path)), exist_ok=True)
    with open(output_path, "w", encoding="utf-8") as f:
        json.dump(template, f, indent=2)
        f.write("\n")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(*sys.argv[1:]))
