/**
 * The kill switch's baseline: the equity drawdown is measured from it. It is
 * the account's equity when it was first traded (paper: the starting balance),
 * until the owner resets it to the current equity — after a deposit or a
 * withdrawal, or after a trip they have dealt with — so a withdrawal does not
 * trip it and a deposit does not hide a drawdown. Each reset is logged with the
 * old and new figures and shown with its date.
 */
export interface Baseline {
  equity: number;
  /** When it was set (ms); null for the paper account's starting balance. */
  at: number | null;
}

export type BaselineExchange = "paper" | "coinex";
export type Baselines = Partial<Record<BaselineExchange, Baseline>>;

/**
 * The baseline in force for an exchange: the owner's last reset, else the paper
 * starting balance, else (CoinEx) null — the caller then sets the current
 * equity as the first baseline.
 */
export function baselineFor(exchange: BaselineExchange, saved: Baselines, paperStartingBalance: number): Baseline | null {
  const own = saved[exchange];
  if (own && own.equity > 0) return own;
  if (exchange === "paper") return { equity: paperStartingBalance, at: null };
  return null;
}
