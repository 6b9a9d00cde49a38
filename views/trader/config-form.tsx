/**
 * Runtime config (`#config-panel` holding `form#config`): one input per field,
 * its allowed range under it, and a refused value's message beside THAT field.
 * A kill-switch limit the drawdown already reaches is not saved until the
 * owner presses the warning's own button (it trips the kill switch).
 * The server validates (novalidate: the browser must not pre-empt the message).
 */
import type { TraderConfig } from "../../src/config/schema.ts";
import { CONFIG_FIELDS, fieldText } from "../../src/web/forms/config-fields.ts";
import { PageForm } from "./forms.tsx";

export interface ConfigFormProps {
  config: TraderConfig;
  /** Field name → message, from a refused submission. */
  issues?: Record<string, string>;
  /** The submitted text to show again after a refusal. */
  values?: Record<string, string>;
  /** Result line after a save. */
  notice?: string | null;
  /** The submitted kill-switch limit would trip it (killSwitchPreview): said beside the field, with the button that saves anyway. */
  killSwitchWarning?: string | null;
}

export function ConfigForm({ config, issues = {}, values = {}, notice = null, killSwitchWarning = null }: ConfigFormProps) {
  const stray = Object.entries(issues).filter(([name]) => !CONFIG_FIELDS.some((f) => f.name === name));
  return (
    <section id="config-panel" class="panel" hx-swap-oob="true">
      <h2>Runtime config</h2>
      <PageForm action="/trader/config" id="config" class="config-form" novalidate>
        {CONFIG_FIELDS.map((field) => {
          const error = issues[field.name];
          const text = values[field.name] ?? fieldText(config[field.name]);
          const errorId = `error-${field.name}`;
          if (field.kind === "boolean") {
            return (
              <div class="field check" data-field={field.name}>
                <input type="hidden" name={field.name} value="false" />
                <label>
                  <input type="checkbox" name={field.name} value="true" checked={text === "true"} />
                  {" "}{field.label}
                </label>
                {error ? <span class="field-error" id={errorId} role="alert">{error}</span> : null}
              </div>
            );
          }
          return (
            <div class={`field${error ? " invalid" : ""}`} data-field={field.name}>
              <label for={`cfg-${field.name}`}>{field.label}</label>
              <input
                id={`cfg-${field.name}`}
                name={field.name}
                type="text"
                inputmode="decimal"
                autocomplete="off"
                value={text}
                aria-invalid={error ? "true" : undefined}
                aria-describedby={error ? errorId : undefined}
              />
              <small class="range">{field.range}</small>
              {error ? <span class="field-error" id={errorId} role="alert">{error}</span> : null}
              {field.name === "kill_switch_drawdown_pct" && killSwitchWarning ? (
                <div class="kill-switch-warning" id="kill-switch-warning" role="alert">
                  <p>Not saved yet: {killSwitchWarning}.</p>
                  <button type="submit" name="confirm_kill_switch" value="yes" class="danger">Save and trip the kill switch</button>
                </div>
              ) : null}
            </div>
          );
        })}
        {stray.map(([name, message]) => <p class="field-error" role="alert">{name}: {message}</p>)}
        {/* Shown by static/live.js when a push brings a config saved elsewhere while a field here is being edited. */}
        <p class="saved-changed" id="config-changed" data-saved-changed hidden role="status">
          The saved config changed elsewhere while you were editing. What you typed is kept (marked); the other fields show the saved values.
          {" "}<button type="button" data-reload-saved>Reload the saved config</button>
        </p>
        <div class="form-actions">
          <button type="submit" class="primary">Save config</button>
          {notice ? <span class="notice" id="config-notice" role="status">{notice}</span> : null}
        </div>
      </PageForm>
    </section>
  );
}
