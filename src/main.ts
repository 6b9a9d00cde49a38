/**
 * Command-line entry: `serve` (the default) starts the server, `ta` computes
 * TA for a candle file, `backtest` replays recorded candles through the trader,
 * `history` fills and exports the candle history (history.db). `--help` and `--version` answer without starting anything.
 */
import { HELP, parseSettings, SettingsError } from "./settings.ts";
import { VERSION } from "./version.ts";

async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === "--help" || first === "-h" || first === "help") {
    process.stdout.write(HELP);
    return 0;
  }
  if (first === "--version" || first === "-v" || first === "version") {
    process.stdout.write(`coinex-trader-suite ${VERSION}\n`);
    return 0;
  }
  if (first === "ta") {
    const { runTaCommand } = await import("./cli/ta-command.ts");
    return runTaCommand(rest);
  }
  if (first === "backtest") {
    const { runBacktestCommand } = await import("./cli/backtest-command.ts");
    return runBacktestCommand(rest);
  }
  if (first === "history") {
    const { runHistoryCommand } = await import("./cli/history-command.ts");
    return runHistoryCommand(rest);
  }
  const serveArgs = first === "serve" ? rest : argv;
  let settings;
  try {
    settings = parseSettings(serveArgs);
  } catch (error) {
    if (error instanceof SettingsError) {
      process.stderr.write(`error: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  const { serve } = await import("./app/serve.ts");
  return serve(settings); // -1 while running, or an exit code when it refused to start
}

const code = await main(process.argv.slice(2));
// A negative code means the server is running on its own timers; it exits on SIGINT/SIGTERM.
if (code >= 0) process.exit(code);
