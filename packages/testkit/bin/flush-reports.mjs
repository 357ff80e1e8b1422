// Preloaded into every test process by hooklog-test. With --test-force-exit, each test file's process
// exits as soon as its tests end, while the verdicts it streams to the runner over a pipe may still
// be buffered: Linux pipes are written asynchronously, and process.exit() drops what is left, so the
// report loses tests (failures included) and still passes (https://github.com/nodejs/node/issues/64833).
// A blocking stdout makes every write complete before the next line runs, as Node itself does for
// TTYs; the loss stops. Node's private handle, hence the checks: without it this does nothing.
const handle = process.stdout._handle;
if (handle && typeof handle.setBlocking === "function") handle.setBlocking(true);
