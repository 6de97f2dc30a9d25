// The local emulator (`cargo lambda watch`) now and then restarts a
// function while a request is in flight (its "waiting on process group"
// error; cargo-lambda/cargo-lambda#410) and answers that request 500 itself,
// without the request id every answer of Tenure carries. A page whose
// module or stylesheet was lost so would fail for a reason that is not the
// console's: the console's own files (GET /assets/…, the same bytes every
// time) are fetched again, a few times, when that happens. Nothing else is
// retried, so every API answer still reaches the page as it came.

const ATTEMPTS = 4;

/** Fetches the console's files again when the emulator (not Tenure) failed them. */
export async function retryEmulatorFailures(context, log = console.log) {
  await context.route("**/assets/**", async (route) => {
    for (let attempt = 1; ; attempt++) {
      const response = await route.fetch().catch(() => null);
      const emulator = !response || (response.status() >= 500 && !response.headers()["x-request-id"]);
      if (!emulator) return route.fulfill({ response });
      if (attempt >= ATTEMPTS) return response ? route.fulfill({ response }) : route.abort();
      log(`[browser] note: ${response ? response.status() : "no answer"} from the emulator for ${route.request().url()}; fetching it again`);
      await new Promise((r) => setTimeout(r, 250 * attempt));
    }
  });
}
