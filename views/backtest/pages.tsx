/**
 * The backtest pages: /backtest (the form and the past runs) and
 * /backtest/:id (one run). Their live updates come through a socket on their
 * own <main id="backtest-page"> (not on <body>): starting a run from the page
 * swaps that main for the run's, which closes the list's socket and opens the
 * run's, without a page load.
 */
import { raw } from "hono/html";
import { Layout } from "../layout.tsx";
import { FlashSlot, type PageShell } from "../pages.tsx";

export const BACKTEST_MAIN_ID = "backtest-page";

export function BacktestListMain(props: { wsUrl: string | null; form: string | null; runs: string | null; unavailable: string | null }) {
  return (
    <main id={BACKTEST_MAIN_ID} class="backtest" hx-ext={props.wsUrl ? "ws" : undefined} ws-connect={props.wsUrl ?? undefined}>
      <h1>Backtest <small class="muted">the live cycle replayed over recorded candles</small></h1>
      {props.unavailable ? (
        <section class="panel" id="backtest-unavailable">
          <p>{props.unavailable}</p>
        </section>
      ) : null}
      {props.form ? raw(props.form) : null}
      {props.runs ? raw(props.runs) : null}
    </main>
  );
}

export function BacktestListPage(props: { shell: PageShell; main: string; flash?: string }) {
  return (
    <Layout title="Backtest" active="backtest" assets={props.shell.assets} wsUrl={null} authEnabled={props.shell.authEnabled}>
      <FlashSlot>{props.flash ? raw(props.flash) : null}</FlashSlot>
      {raw(props.main)}
    </Layout>
  );
}

export function BacktestRunMain(props: { wsUrl: string | null; panel: string }) {
  return (
    <main id={BACKTEST_MAIN_ID} class="backtest" hx-ext={props.wsUrl ? "ws" : undefined} ws-connect={props.wsUrl ?? undefined}>
      <p class="crumbs"><a href="/backtest">← All backtests</a></p>
      {raw(props.panel)}
    </main>
  );
}

export function BacktestRunPage(props: { shell: PageShell; id: number; main: string }) {
  return (
    <Layout title={`Backtest #${props.id}`} active="backtest" assets={props.shell.assets} wsUrl={null} authEnabled={props.shell.authEnabled}>
      <FlashSlot />
      {raw(props.main)}
    </Layout>
  );
}
