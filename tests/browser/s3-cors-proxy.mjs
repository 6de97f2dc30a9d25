// A stand-in for S3's bucket CORS while the local S3 endpoint (tools/devstack,
// s3s) does not answer CORS itself: forwards every request unchanged (the
// Host header too, so SigV4 signatures still check out at the endpoint) and
// answers browsers as the bucket's CORS rule in template.yaml does: PUT from
// one origin, with content-type, content-length, content-md5 and x-amz-*
// headers, ETag exposed. Loopback only. Used by scripts/browser-tests.sh.
//
//   node tests/browser/s3-cors-proxy.mjs LISTEN_PORT S3_PORT ALLOWED_ORIGIN
import http from "node:http";

const [listenPort, targetPort, allowedOrigin] = process.argv.slice(2);
if (!listenPort || !targetPort || !allowedOrigin) {
  console.error("usage: s3-cors-proxy.mjs LISTEN_PORT S3_PORT ALLOWED_ORIGIN");
  process.exit(2);
}

const ALLOWED_METHODS = new Set(["PUT"]);
const allowedHeader = (h) => ["content-type", "content-length", "content-md5"].includes(h) || h.startsWith("x-amz-");

function corsHeaders(origin) {
  return origin === allowedOrigin
    ? { "access-control-allow-origin": origin, "access-control-expose-headers": "ETag", vary: "Origin" }
    : {};
}

const server = http.createServer((req, res) => {
  const origin = req.headers.origin;
  const method = req.headers["access-control-request-method"];
  if (req.method === "OPTIONS" && origin && method) {
    const asked = (req.headers["access-control-request-headers"] || "")
      .split(",")
      .map((h) => h.trim().toLowerCase())
      .filter(Boolean);
    if (origin !== allowedOrigin || !ALLOWED_METHODS.has(method) || !asked.every(allowedHeader)) {
      console.log(`OPTIONS ${req.url.split("?")[0]} refused: origin ${origin}, method ${method}, headers ${asked}`);
      res.writeHead(403, { "content-type": "text/plain" });
      res.end("CORSResponse: This CORS request is not allowed.");
      return;
    }
    res.writeHead(200, {
      ...corsHeaders(origin),
      "access-control-allow-methods": [...ALLOWED_METHODS].join(", "),
      "access-control-allow-headers": asked.join(", "),
      "access-control-max-age": "3000",
    });
    res.end();
    return;
  }
  res.on("finish", () => console.log(`${req.method} ${req.url.split("?")[0]} ${res.statusCode}`));
  const upstream = http.request(
    { host: "127.0.0.1", port: Number(targetPort), method: req.method, path: req.url, headers: req.headers },
    (up) => {
      res.writeHead(up.statusCode || 502, { ...up.headers, ...corsHeaders(origin) });
      up.pipe(res);
    },
  );
  upstream.on("error", (e) => {
    if (!res.headersSent) res.writeHead(502, { "content-type": "text/plain" });
    res.end(`proxy: ${e.message}`);
  });
  req.pipe(upstream);
});

server.listen(Number(listenPort), "127.0.0.1", () => {
  console.log(`S3 CORS proxy on 127.0.0.1:${listenPort} -> 127.0.0.1:${targetPort}, origin ${allowedOrigin}`);
});
for (const sig of ["SIGTERM", "SIGINT"]) {
  process.on(sig, () => server.close(() => process.exit(0)));
  process.on(sig, () => setTimeout(() => process.exit(0), 2000).unref());
}
