#!/usr/bin/env -S node --max-semi-space-size=4
// The Node options are npm start's (package.json; test/unit/node-flags.test.ts keeps them
// equal), for `folkmoot start`; `env -S` splits them (GNU coreutils 8.30+, BSD, macOS).
// Node 24 runs the TypeScript sources directly (type stripping); no build step.
const { runCli } = await import("../src/cli/main.ts");
process.exitCode = await runCli(process.argv.slice(2));
