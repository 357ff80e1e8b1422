import { RE2JS } from "re2js";

/**
 * What JSONata asks of a regex engine (`new RegexEngine(regex)`, `lastIndex`, `exec`), over RE2JS:
 * a regex in a mapping (`$match`, `$replace`, `$split`, `$contains`) runs in linear time, so no
 * payload can make it backtrack for ever. Backreferences and lookaround are not supported: using one
 * fails that evaluation.
 */
export class Re2RegExp {
  lastIndex = 0;
  readonly #compiled: RE2JS;

  constructor(pattern: RegExp | string) {
    const source = typeof pattern === "string" ? pattern : pattern.source;
    const flags = typeof pattern === "string" ? "" : pattern.flags;
    this.#compiled = RE2JS.compile(source, (flags.includes("i") ? RE2JS.CASE_INSENSITIVE : 0) | (flags.includes("m") ? RE2JS.MULTILINE : 0));
  }

  exec(input: string): RegExpExecArray | null {
    const matcher = this.#compiled.matcher(input);
    if (this.lastIndex > input.length || !matcher.find(this.lastIndex)) {
      this.lastIndex = 0;
      return null;
    }
    const groups: Array<string | undefined> = [];
    for (let group = 0; group <= matcher.groupCount(); group += 1) groups.push(matcher.group(group) ?? undefined);
    this.lastIndex = matcher.end();
    return Object.assign(groups, { index: matcher.start(), input }) as unknown as RegExpExecArray;
  }
}
