/**
 * The words that make `hotfn WORD` a CLI command rather than the server. Its own module so that the
 * server's entry can tell without loading the CLI (main.ts says why).
 * @module
 */
/** The first words that are CLI commands; anything else is the server's (flags, or `serve`). */
export const CLI_COMMANDS = ["apps", "routes", "call", "calls", "logs", "init", "build", "deploy", "version", "completion", "help"] as const;

export function isCliCommand(word: string | undefined): boolean {
  return (CLI_COMMANDS as readonly string[]).includes(word ?? "");
}
