// Package request is the kiosk's side of a visitor's request (诉求), free of
// Fyne so it is tested without a window:
//
//   - Router splits a description into items and routes each to one of the
//     hall's departments: by the LLM (a Completer) with the departments'
//     duties as context and a strict JSON answer validated against the hall's
//     department list, or — offline or when the answer is invalid — by a
//     naive Bayes classifier trained on labelled citizen messages (embedded,
//     routemodel.gob.gz) combined with department duty keywords.
//   - Client speaks the hall's request API (docs/request-api.md): submit with
//     an idempotency key, status, remind, rate, with typed errors and retries.
//   - Service ties them to the durable outbox (localkb/outbox): a request is
//     committed locally before it is sent, so a crash or a dead network never
//     loses it and a retry never duplicates it.
//
// The screens are in app/ui/requestview; the stand-in server is app/hallserver.
package request
