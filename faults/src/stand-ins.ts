// Slack, PagerDuty and GitHub stand-ins, run in a worker thread of their own (stand-ins-worker.ts).
import { Worker } from "node:worker_threads";
import type { AppliedTimes } from "./effect-tally.ts";
import type { SlackWebApiSetup } from "./slack-stand-in.ts";

export interface StandInsSetup {
  routingKey: string;
  githubToken: string;
  /** Slack's Web API: the bot token and channel alerts posts with. */
  slack: SlackWebApiSetup;
}

export type StandInsRequest = "snapshot" | "close";

export interface StandIns {
  urls: { slack: string; pagerduty: string; github: string };
  /** Every effect the stand-ins counted so far, with when it came. */
  applied(): Promise<AppliedTimes>;
  close(): Promise<void>;
}

export async function startStandIns(setup: StandInsSetup): Promise<StandIns> {
  const worker = new Worker(new URL("./stand-ins-worker.ts", import.meta.url), { workerData: setup });
  const next = <T>(field: string): Promise<T> =>
    new Promise((resolve, reject) => {
      const onMessage = (message: Record<string, unknown>): void => {
        if (!(field in message)) return;
        worker.off("message", onMessage);
        worker.off("error", reject);
        resolve(message[field] as T);
      };
      worker.on("message", onMessage);
      worker.once("error", reject);
    });
  const urls = await next<StandIns["urls"]>("urls");
  return {
    urls,
    async applied() {
      const snapshot = next<Array<[string, number[]]>>("snapshot");
      worker.postMessage("snapshot" satisfies StandInsRequest);
      return new Map(await snapshot);
    },
    async close() {
      const exited = new Promise((resolve) => worker.once("exit", resolve));
      worker.postMessage("close" satisfies StandInsRequest);
      // The servers close at once; a worker that hangs on a kept-alive connection is ended.
      const timer = setTimeout(() => void worker.terminate(), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
