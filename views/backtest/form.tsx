/**
 * The form that starts a backtest (`#backtest-form-panel` holding
 * `form#backtest-form`): data set and period, A/B of the TA bonus and a
 * holdout, and the config fields a run may override, prefilled from the
 * config in force. Each field's wrapper carries data-field="<its name>", the
 * path the service names in a refusal, and shows that refusal beside it. It
 * works without JavaScript (a plain POST); htmx posts it and swaps the page
 * for the run's. The server validates (novalidate).
 */
import type { Child } from "hono/jsx";
import type { TraderConfig } from "../../src/config/schema.ts";
import { BACKTEST_CONFIG_FIELDS, BACKTEST_FORM_NAMES } from "../../src/web/forms/backtest-form.ts";
import { fieldText } from "../../src/web/forms/config-fields.ts";

export interface BacktestFormProps {
  sets: readonly string[];
  config: TraderConfig;
  /** Field name → message, from a refused submission. */
  issues?: Record<string, string>;
  /** The submitted text to show again after a refusal. */
  values?: Record<string, string>;
}

export function BacktestForm({ sets, config, issues = {}, values = {} }: BacktestFormProps) {
  const known = new Set<string>(BACKTEST_FORM_NAMES);
  const stray = Object.entries(issues).filter(([name]) => !known.has(name));
  const chosen = values.data_set ?? sets[0] ?? "";
  const compare = values.compare === undefined ? true : values.compare === "true";
  return (
    <section id="backtest-form-panel" class="panel" hx-swap-oob="true">
      <h2>New backtest</h2>
      <form
        method="post"
        action="/backtest"
        hx-post="/backtest"
        hx-target="#flash"
        hx-swap="innerHTML"
        hx-disabled-elt="#start-backtest"
        id="backtest-form"
        class="backtest-form"
        novalidate
      >
        <fieldset>
          <legend>Data</legend>
          <div class="field-grid">
            <Field name="data_set" label="Data set" issue={issues.data_set} hint="recorded 5m candles; the first 1,000 only warm the indicators up">
              <select id="bt-data_set" name="data_set" aria-invalid={issues.data_set ? "true" : undefined} aria-describedby={issues.data_set ? "bt-error-data_set" : undefined}>
                {sets.map((name) => <option value={name} selected={name === chosen}>{name}</option>)}
              </select>
            </Field>
            <TextField name="from" label="From (UTC day)" type="date" value={values.from ?? ""} issue={issues.from} hint="empty = from the start of the data" />
            <TextField name="to" label="To (UTC day, included)" type="date" value={values.to ?? ""} issue={issues.to} hint="empty = to the end of the data" />
          </div>
        </fieldset>
        <fieldset>
          <legend>Study</legend>
          <div class="field-grid">
            <div class="field check" data-field="compare">
              <label>
                <input type="checkbox" id="bt-compare" name="compare" value="true" checked={compare} />
                {" "}Compare the TA bonus off vs on (two runs, side by side)
              </label>
              {issues.compare ? <span class="field-error" id="bt-error-compare" role="alert">{issues.compare}</span> : null}
            </div>
            <TextField name="holdout_pct" label="Holdout (% of the period, at its end)" value={values.holdout_pct ?? ""} issue={issues.holdout_pct} hint="1 – 90, empty = none" />
          </div>
        </fieldset>
        <fieldset>
          <legend>Config overrides</legend>
          <p class="muted">Prefilled from the config in force; the rest of it (kill switch, cooldown, coin lists …) applies as it is. A backtest always trades a simulated paper account.</p>
          <div class="field-grid">
            {BACKTEST_CONFIG_FIELDS.map((field) => {
              const name = `config.${field.name}`;
              const text = values[name] ?? fieldText(config[field.name]);
              if (field.kind === "boolean") {
                return (
                  <div class="field check single-only" data-field={name}>
                    <input type="hidden" name={name} value="false" />
                    <label>
                      <input type="checkbox" id={`bt-${field.name}`} name={name} value="true" checked={text === "true"} />
                      {" "}{field.label} <small class="muted">(one run; a comparison runs both)</small>
                    </label>
                    {issues[name] ? <span class="field-error" id={`bt-error-${field.name}`} role="alert">{issues[name]}</span> : null}
                  </div>
                );
              }
              return <TextField name={name} id={field.name} label={field.label} value={text} issue={issues[name]} hint={field.range} />;
            })}
          </div>
        </fieldset>
        {stray.map(([name, message]) => <p class="field-error" role="alert">{name}: {message}</p>)}
        <div class="form-actions">
          <button type="submit" class="primary" id="start-backtest">Start backtest</button>
          <small class="muted">One run at a time; it runs beside the live trader without holding it up.</small>
        </div>
      </form>
    </section>
  );
}

function Field(props: { name: string; label: string; issue?: string; hint: string; children?: Child }) {
  const id = props.name.replace(/^config\./, "");
  return (
    <div class={`field${props.issue ? " invalid" : ""}`} data-field={props.name}>
      <label for={`bt-${id}`}>{props.label}</label>
      {props.children}
      <small class="range">{props.hint}</small>
      {props.issue ? <span class="field-error" id={`bt-error-${id}`} role="alert">{props.issue}</span> : null}
    </div>
  );
}

function TextField(props: { name: string; id?: string; label: string; value: string; issue?: string; hint: string; type?: "text" | "date" }) {
  const id = props.id ?? props.name;
  return (
    <Field name={props.name} label={props.label} issue={props.issue} hint={props.hint}>
      <input
        id={`bt-${id}`}
        name={props.name}
        type={props.type ?? "text"}
        inputmode={props.type === "date" ? undefined : "decimal"}
        autocomplete="off"
        value={props.value}
        aria-invalid={props.issue ? "true" : undefined}
        aria-describedby={props.issue ? `bt-error-${id}` : undefined}
      />
    </Field>
  );
}
