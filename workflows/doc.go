// Package workflows is the contract between the API and the workers and the
// engine that keeps them honest: task types and payloads, the state machines,
// the transactional outbox with its relay and reconciler, workflow events, and
// the domain rules that are neither HTTP nor queue plumbing.
//
// The engine's promise: Postgres is the source of truth and Redis only
// delivers. A state change and the work it needs are written in one
// transaction (Enqueue); the Relay hands committed work to Asynq with the
// outbox row's id as the task id; the Reconciler hands it again when Redis
// lost it. Delivery is at least once; handlers make the effect exactly once by
// locking their outbox row and entity and checking that their step is still due.
package workflows
