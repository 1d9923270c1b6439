/**
 * The load generator of `bench:authorize`, in its own process so that the API's process
 * measures only the API: `POST /v1/authorize` at a fixed rate from autocannon, each request
 * a fresh draw from the call mix. Prints autocannon's result as JSON.
 *
 *   node authorize-load.js <url> <rate per second> <seconds> <seed>   (key in VIGIL_BENCH_KEY)
 */
import autocannon from 'autocannon';
import { callStream } from './authorize-mix';

async function main(): Promise<void> {
  const [url, rate, seconds, seed] = process.argv.slice(2);
  const next = callStream(Number(seed));
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    autocannon(
      {
        url: url!,
        connections: 10,
        overallRate: Number(rate),
        duration: Number(seconds),
        requests: [
          {
            method: 'POST',
            path: '/v1/authorize',
            headers: {
              'content-type': 'application/json',
              authorization: `Bearer ${process.env.VIGIL_BENCH_KEY ?? ''}`,
            },
            setupRequest: (request) => ({ ...request, body: JSON.stringify(next()) }),
          },
        ],
      },
      (error, done) => (error ? reject(error) : resolve(done)),
    );
  });
  process.stdout.write(JSON.stringify(result));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
