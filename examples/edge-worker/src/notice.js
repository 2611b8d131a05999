// checkout-guard edge worker: the customer notice of a `warn` verdict, added to the
// origin's answer (README "Warn notices").
//
// A warned order is forwarded like an allowed one, but the customer must still read the
// warn rule's message (docs/semantics.md §9.3). The origin's response is passed on with:
// - `X-Checkout-Guard-Notice`: the message text, percent-encoded (a header value is
//   bytes and the text is UTF-8: `decodeURIComponent` gives it back), and
//   `X-Checkout-Guard-Notice-Locale`: the locale of that text; both named in
//   `Access-Control-Expose-Headers` when the origin answers cross-origin requests;
// - when the origin answered with a JSON object: a `checkout_guard_notice` field
//   `{decision: "warn", message, locale}` in it, so the checkout's confirmation code shows
//   it without reading headers. Any other body (not JSON, an array, larger than
//   MAX_REWRITE_BYTES) is passed on unchanged, with the headers.

const MAX_REWRITE_BYTES = 1024 * 1024;
const NOTICE_HEADERS = ["x-checkout-guard-notice", "x-checkout-guard-notice-locale"];

/** The origin's `response` carrying the notice `message` (in `locale`). */
export async function withNotice(response, message, locale) {
  const headers = new Headers(response.headers);
  headers.set("x-checkout-guard-notice", encodeURIComponent(message));
  if (locale) headers.set("x-checkout-guard-notice-locale", locale);
  if (headers.has("access-control-allow-origin")) {
    const exposed = headers.get("access-control-expose-headers");
    headers.set("access-control-expose-headers", exposed ? `${exposed}, ${NOTICE_HEADERS.join(", ")}` : NOTICE_HEADERS.join(", "));
  }
  const init = { status: response.status, statusText: response.statusText, headers };
  const length = Number(headers.get("content-length") || 0);
  if (!response.body || !isJson(headers.get("content-type")) || length > MAX_REWRITE_BYTES) {
    return new Response(response.body, init);
  }
  const text = await response.text();
  let value;
  try {
    value = JSON.parse(text);
  } catch {
    return new Response(text, init); // labelled JSON but not: passed on as it came
  }
  if (!value || typeof value !== "object" || Array.isArray(value)) return new Response(text, init);
  value.checkout_guard_notice = { decision: "warn", message, locale };
  headers.delete("content-length");
  return new Response(JSON.stringify(value), init);
}

function isJson(contentType) {
  const type = (contentType || "").split(";")[0].trim().toLowerCase();
  return type === "application/json" || type.endsWith("+json");
}
