/**
 * Renders hotfn's settings table (src/config.ts SETTINGS) as the Markdown table of README.md's
 * "Configuration" section. `bun scripts/config-table.ts` prints it; test/config.test.ts checks the
 * README holds the current one.
 */
import { SETTINGS, type Setting } from "../src/config.ts";

const cell = (s: string) => s.replaceAll("|", "\\|");

export function configTable(): string {
  const rows = Object.values(SETTINGS as Record<string, Setting>).map((s) => {
    const def = s.defaultDoc ?? (s.default === undefined ? "(none)" : `\`${s.default}\``);
    // A secret can also come from a file, so it can be mounted rather than put in the environment.
    const env = s.secret ? `\`${s.env}\`, \`${s.env}_FILE\`` : `\`${s.env}\``;
    const flag = s.secret ? `\`${s.flag}\`, \`${s.flag}-file\`` : `\`${s.flag}\``;
    return `| ${env} | ${flag} | ${cell(def)} | ${cell(s.help)} |`;
  });
  return ["| env | flag | default | what |", "| --- | --- | --- | --- |", ...rows].join("\n");
}

if (import.meta.main) console.log(configTable());
