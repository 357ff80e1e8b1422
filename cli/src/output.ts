// What a command prints. Results go to stdout: a line of text, or with --json one JSON object per
// line. Progress, warnings and errors go to stderr, so `--json | jq` sees results only. Colour and
// spinners only when the stream is a terminal (and NO_COLOR is unset).
import { styleText } from "node:util";

type Style = Parameters<typeof styleText>[0];

export interface Progress {
  update(text: string): void;
  done(text: string): void;
}

export interface Output {
  readonly json: boolean;
  /** A result: `text` for people, `value` for --json. */
  result(text: string, value: unknown): void;
  /** A line about what is going on (stderr). */
  info(text: string): void;
  warn(text: string): void;
  /** A spinner on a terminal; elsewhere a line at the start, at most one every 5 s, and one at the end. */
  progress(text: string): Progress;
  /** `text` styled for stdout, when stdout is a terminal. */
  style(format: Style, text: string): string;
}

const SPINNER = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

export function createOutput(options: { json: boolean; stdout?: NodeJS.WriteStream; stderr?: NodeJS.WriteStream }): Output {
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const styled = (stream: NodeJS.WriteStream) => (format: Style, text: string) => styleText(format, text, { stream, validateStream: true });
  const err = styled(stderr);
  return {
    json: options.json,
    result(text, value) {
      stdout.write(options.json ? `${JSON.stringify(value)}\n` : `${text}\n`);
    },
    info(text) {
      stderr.write(`${text}\n`);
    },
    warn(text) {
      stderr.write(`${err("yellow", "warning:")} ${text}\n`);
    },
    progress(text) {
      if (stderr.isTTY) {
        let frame = 0;
        let current = text;
        const draw = () => stderr.write(`\r\x1b[2K${err("cyan", SPINNER[frame++ % SPINNER.length] ?? "")} ${current}`);
        draw();
        const timer = setInterval(draw, 80);
        timer.unref();
        return {
          update(next) {
            current = next;
          },
          done(final) {
            clearInterval(timer);
            stderr.write(`\r\x1b[2K${final}\n`);
          },
        };
      }
      stderr.write(`${text}\n`);
      let last = performance.now();
      return {
        update(next) {
          if (performance.now() - last < 5000) return;
          last = performance.now();
          stderr.write(`${next}\n`);
        },
        done(final) {
          stderr.write(`${final}\n`);
        },
      };
    },
    style: styled(stdout),
  };
}
