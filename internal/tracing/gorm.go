package tracing

import (
	"fmt"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
	"gorm.io/gorm"
)

// GORM is a GORM plugin giving each statement run inside a recorded span a
// client span of its own, with the statement's text (placeholders, never
// the values). Statements outside a trace (the relay's and reconciler's
// polling) get none.
type GORM struct{}

// Name names the plugin.
func (GORM) Name() string { return "campusbiz:tracing" }

// Initialize registers the callbacks around every kind of statement.
func (GORM) Initialize(db *gorm.DB) error {
	tracer := Tracer()
	cb := db.Callback()
	for _, p := range []struct {
		op     string
		before func(string, func(*gorm.DB)) error
		after  func(string, func(*gorm.DB)) error
	}{
		{"create", cb.Create().Before("gorm:create").Register, cb.Create().After("gorm:create").Register},
		{"query", cb.Query().Before("gorm:query").Register, cb.Query().After("gorm:query").Register},
		{"update", cb.Update().Before("gorm:update").Register, cb.Update().After("gorm:update").Register},
		{"delete", cb.Delete().Before("gorm:delete").Register, cb.Delete().After("gorm:delete").Register},
		{"row", cb.Row().Before("gorm:row").Register, cb.Row().After("gorm:row").Register},
		{"raw", cb.Raw().Before("gorm:raw").Register, cb.Raw().After("gorm:raw").Register},
	} {
		if err := p.before("tracing:before_"+p.op, startSQL(tracer, p.op)); err != nil {
			return fmt.Errorf("register tracing callback: %w", err)
		}
		if err := p.after("tracing:after_"+p.op, endSQL); err != nil {
			return fmt.Errorf("register tracing callback: %w", err)
		}
	}
	return nil
}

// sqlSpanKey marks, in the statement's settings, the span startSQL began.
const sqlSpanKey = "tracing:span"

func startSQL(tracer trace.Tracer, op string) func(*gorm.DB) {
	return func(db *gorm.DB) {
		ctx := db.Statement.Context
		if !trace.SpanFromContext(ctx).IsRecording() {
			return
		}
		_, span := tracer.Start(ctx, "sql "+op, trace.WithSpanKind(trace.SpanKindClient),
			trace.WithAttributes(attribute.String("db.system.name", "postgresql"), attribute.String("db.operation.name", op)))
		db.InstanceSet(sqlSpanKey, span)
	}
}

func endSQL(db *gorm.DB) {
	v, ok := db.InstanceGet(sqlSpanKey)
	if !ok {
		return
	}
	span := v.(trace.Span)
	span.SetAttributes(attribute.String("db.query.text", truncate(db.Statement.SQL.String(), 2000)),
		attribute.Int64("db.response.returned_rows", db.RowsAffected))
	if err := db.Error; err != nil && err != gorm.ErrRecordNotFound {
		span.RecordError(err)
		span.SetStatus(codes.Error, "statement failed")
	}
	span.End()
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
