// The stand-ins' own thread: nothing the run does on its main thread (signing megabytes, reading
// Kafka to its end, infra's synchronous calls) can make Slack, PagerDuty or GitHub answer late,
// which would turn a consumer's timeout into a retry the faults did not cause.
import { parentPort, workerData } from "node:worker_threads";
import { EffectTally } from "./effect-tally.ts";
import { startGithubStandIn } from "./github-stand-in.ts";
import { startPagerDutyStandIn } from "./pagerduty-stand-in.ts";
import { startSlackStandIn } from "./slack-stand-in.ts";
import type { StandInsRequest, StandInsSetup } from "./stand-ins.ts";

const { routingKey, githubToken, slack } = workerData as StandInsSetup;
const port = parentPort;
if (!port) throw new Error("stand-ins-worker.ts runs as a worker thread (see stand-ins.ts)");

const tally = new EffectTally();
const servers = {
  slack: await startSlackStandIn(tally, slack),
  pagerduty: await startPagerDutyStandIn(tally, routingKey),
  github: await startGithubStandIn(tally, githubToken),
};
port.on("message", (request: StandInsRequest) => {
  if (request === "snapshot") port.postMessage({ snapshot: tally.snapshot() });
  else void Promise.all(Object.values(servers).map((server) => server.close())).then(() => port.close());
});
port.postMessage({ urls: { slack: servers.slack.url, pagerduty: servers.pagerduty.url, github: servers.github.url } });
