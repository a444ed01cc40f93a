// Package engine is campusbiz's workflow engine, in one place: the unit of
// work (Engine.Do for a use case, Runner for a task step), the
// transactional outbox, the relay and the reconciler that hand its rows to
// Asynq, the state machines' events and notifications, and the task
// registry's shape.
//
// The promise: Postgres is the source of truth and Redis only delivers. A
// state change and the work it needs are written in one unit of work; after
// the commit the engine hands the tasks to Asynq with the outbox row's id as
// the task id; the Relay sweeps up what it could not hand on; the Reconciler
// hands on again what Redis lost. Delivery is at least once; effects are
// exactly once, because a step's unit of work completes its outbox row
// first (a duplicate delivery finds none and commits nothing), and the step
// locks its entity and checks that its step is still due.
package engine
