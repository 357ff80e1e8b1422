import type { IncomingMessage } from "node:http";

/**
 * Most bytes of a refused request's body read and dropped so that its answer is not lost: more than
 * the largest body a source may take (25 MiB). Node drains a keep-alive request's body the same way,
 * without a bound; the time it may take is bounded by the server's request timeout.
 */
export const DISCARD_MAX_BYTES = 32 * 1024 * 1024;

/**
 * Calls `answer` once the request's unread body is read and dropped, up to `maxBytes` (what is past
 * it, or a body that stops arriving, is answered anyway; Node's request timeout bounds the wait).
 * A request refused before its body is read (404, 405, 415, 429, 431, 503) would otherwise be
 * answered with the body still in the socket: on a connection that closes after the answer
 * (Connection: close, HTTP/1.0) the kernel then resets it, and the sender never reads the answer.
 * Nothing is kept: the bytes are read and dropped.
 */
export function afterUnreadBody(request: IncomingMessage, answer: (whole: boolean) => void, maxBytes: number = DISCARD_MAX_BYTES): void {
  // Not from the headers: past maxHeadersCount, Node frames the body by a Content-Length it does not list.
  const declared = Number(request.headers["content-length"] ?? 0);
  if (request.readableEnded || request.readableFlowing || request.destroyed || declared > maxBytes) {
    answer(request.readableEnded || declared === 0);
    return;
  }
  let answered = false;
  let read = 0;
  const once = () => {
    if (answered) return;
    answered = true;
    request.off("data", drop);
    answer(request.readableEnded);
  };
  const drop = (chunk: Buffer) => {
    read += chunk.length;
    if (read > maxBytes) {
      request.pause();
      once();
    }
  };
  request.on("data", drop);
  request.once("end", once);
  // The sender went away: there is no one to answer, but express still expects the response ended.
  request.once("close", once);
}
