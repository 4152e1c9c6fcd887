/**
 * `hotfn completion bash|zsh`: a completion script generated from the command tree itself (names,
 * subcommands, options), so that it cannot fall behind the commands. zsh runs the same function
 * through its bash-completion layer (bashcompinit).
 * @module
 */
import type { Command } from "commander";

interface Node {
  /** the command words leading here: "" at the top, "apps", "apps list" */
  key: string;
  subcommands: string[];
  options: string[];
}

/** The script for `shell`; `serverFlags` are what `hotfn serve` takes. */
export function completionScript(shell: "bash" | "zsh", program: Command, serverFlags: string[]): string {
  const nodes: Node[] = [];
  const walk = (cmd: Command, key: string) => {
    const subs = cmd.commands.filter((c) => c.name() !== "help");
    const options = [...cmd.options.flatMap((o) => [o.short, o.long].filter((f): f is string => f !== undefined)), "--help"];
    nodes.push({ key, subcommands: subs.map((c) => c.name()), options });
    for (const sub of subs) walk(sub, key === "" ? sub.name() : `${key} ${sub.name()}`);
  };
  walk(program, "");
  const top = nodes[0]!;
  top.subcommands.unshift("serve");
  top.options.push("--version");
  nodes.push({ key: "serve", subcommands: [], options: [...serverFlags, "--help"] });

  const steps = nodes
    .filter((n) => n.key !== "")
    .map((n) => {
      const parent = n.key.includes(" ") ? n.key.slice(0, n.key.lastIndexOf(" ")) : "";
      const word = n.key.slice(n.key.lastIndexOf(" ") + 1);
      return `      "${parent}/${word}") key="${n.key}" ;;`;
    });
  const cases = nodes.map((n) => `    "${n.key}") subs="${n.subcommands.join(" ")}"; opts="${n.options.join(" ")}" ;;`);
  const fn = [
    "_hotfn() {",
    '  local cur=${COMP_WORDS[COMP_CWORD]} key="" subs="" opts="" w',
    '  for w in "${COMP_WORDS[@]:1:COMP_CWORD-1}"; do',
    '    case "$key/$w" in',
    ...steps,
    "    esac",
    "  done",
    '  case "$key" in',
    ...cases,
    "  esac",
    '  if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W "$opts" -- "$cur"))',
    '  elif [[ -n $subs ]]; then COMPREPLY=($(compgen -W "$subs" -- "$cur"))',
    "  else COMPREPLY=()",
    "  fi",
    "}",
    "complete -o default -F _hotfn hotfn",
    "",
  ];
  if (shell === "bash") return ["# hotfn completion for bash: eval \"$(hotfn completion bash)\" (e.g. in ~/.bashrc)", ...fn].join("\n");
  return ["#compdef hotfn", "# hotfn completion for zsh: eval \"$(hotfn completion zsh)\" (e.g. in ~/.zshrc)", "autoload -U +X bashcompinit && bashcompinit", ...fn].join("\n");
}
