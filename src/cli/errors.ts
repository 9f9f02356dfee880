/** An operator's error: printed as one line, exit code 1. */
export class CliError extends Error {}
