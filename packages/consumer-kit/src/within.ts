/** `work`, or the error `late()` makes if it has not settled within `ms`. The timer goes either way. */
export function within<T>(work: Promise<T>, ms: number, late: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(late()), ms);
  });
  return Promise.race([work, timedOut]).finally(() => clearTimeout(timer));
}
