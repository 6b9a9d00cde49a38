/**
 * A page form that works both ways: htmx posts it, puts the result line into
 * #flash and applies the out-of-band fragments the server answers with; without
 * JavaScript it is a plain POST and the server redirects back to /trader.
 */
import type { Child } from "hono/jsx";

export function PageForm(props: { action: string; class?: string; id?: string; confirm?: string; novalidate?: boolean; children?: Child }) {
  return (
    <form
      method="post"
      action={props.action}
      hx-post={props.action}
      hx-target="#flash"
      hx-swap="innerHTML"
      hx-confirm={props.confirm}
      class={props.class}
      id={props.id}
      novalidate={props.novalidate}
    >
      {props.children}
    </form>
  );
}

/** A one-button form posting `name=value` to `action`. */
export function ActionButton(props: { action: string; name: string; value: string; label: string; class?: string; id?: string; confirm?: string; pressed?: boolean; title?: string }) {
  return (
    <PageForm action={props.action} class="inline" confirm={props.confirm}>
      <button type="submit" name={props.name} value={props.value} class={props.class} id={props.id} aria-pressed={props.pressed === undefined ? undefined : String(props.pressed)} title={props.title}>
        {props.label}
      </button>
    </PageForm>
  );
}
