#!/usr/bin/env -S node --disable-warning=TimeoutNegativeWarning
import { run } from "../src/program.ts";

process.exitCode = await run(process.argv.slice(2));
