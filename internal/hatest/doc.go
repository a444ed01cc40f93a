// Package hatest holds campusbiz's failover tests: the worker side running
// real workflows on a Redis Sentinel set, a Redis Cluster and a Postgres
// primary with a synchronous replica, all private instances started on
// loopback by the tests, while a primary dies; and the real binary's
// `serve` and `worker` on a Redis Cluster and a two-host DATABASE_URL,
// driven through the HTTP API by loadgen while a cluster primary and the
// Postgres primary die. It has no code of its own outside its tests.
package hatest
