package app

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows/engine"
)

// Audit actions: what an admin or reviewer did, as the audit log names it.
const (
	AuditCreateAccount     = "account.create"
	AuditCreateCollege     = "college.create"
	AuditConfirmShop       = "shop.confirm"
	AuditRejectShop        = "shop.reject"
	AuditCreateCourse      = "course.create"
	AuditRecordResult      = "enrollment.result"
	AuditImportResults     = "enrollment.import_results"
	AuditRevokeCertificate = "certificate.revoke"
	AuditCreatePlace       = "internship_place.create"
	AuditChangePlace       = "internship_place.change"
	AuditStartMatchRound   = "match_round.start"
	AuditCreateProgram     = "fund_program.create"
	AuditSetRubric         = "fund_program.rubric"
	AuditReview            = "fund_application.review"
	AuditDeclareConflict   = "fund_application.conflict"
)

// AuditEntry is one row of the append-only audit log.
type AuditEntry struct {
	ID         string `gorm:"type:uuid;primaryKey"`
	At         time.Time
	ActorID    string `gorm:"type:uuid"`
	ActorRole  string
	Action     string
	EntityType string
	EntityID   string          `gorm:"type:uuid"`
	Before     json.RawMessage `gorm:"type:jsonb"`
	After      json.RawMessage `gorm:"type:jsonb"`
	IP         string          `gorm:"column:ip"`
}

// TableName is the audit log's table.
func (AuditEntry) TableName() string { return "audit_log" }

// audit records, in the unit of work w (so it commits or rolls back with
// the action), that actor did action to the entity entityType entityID,
// which was before and became after (each marshalled to JSON; nil stores
// NULL). Every admin and reviewer action calls it.
func (a *App) audit(w *engine.Work, actor Actor, action, entityType, entityID string, before, after any) error {
	b, err := auditJSON(before)
	if err != nil {
		return fmt.Errorf("audit %s %s: before: %w", action, entityID, err)
	}
	af, err := auditJSON(after)
	if err != nil {
		return fmt.Errorf("audit %s %s: after: %w", action, entityID, err)
	}
	w.Defer(`INSERT INTO audit_log (id, at, actor_id, actor_role, action, entity_type, entity_id, before, after, ip)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		models.NewID(), a.now(), actor.ID, actor.Role, action, entityType, entityID, b, af, actor.IP)
	return nil
}

// auditJSON is v as JSON for a jsonb column; nil is SQL NULL.
func auditJSON(v any) (*string, error) {
	if v == nil {
		return nil, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	s := string(b)
	return &s, nil
}

// AuditFilter narrows the audit log: by actor and by entity.
type AuditFilter struct {
	ActorID  string `json:"actor_id" validate:"omitempty,uuid"`
	EntityID string `json:"entity_id" validate:"omitempty,uuid"`
}

// Audit lists the audit log, newest first, for an admin.
func (a *App) Audit(ctx context.Context, actor Actor, f AuditFilter, p Page) (List[AuditEntry], error) {
	if err := actor.require(models.RoleAdmin); err != nil {
		return List[AuditEntry]{}, err
	}
	if err := a.validate(f); err != nil {
		return List[AuditEntry]{}, err
	}
	q := a.db.WithContext(ctx).Model(&AuditEntry{})
	if f.ActorID != "" {
		q = q.Where("actor_id = ?", f.ActorID)
	}
	if f.EntityID != "" {
		q = q.Where("entity_id = ?", f.EntityID)
	}
	return listRows(q, p, "id", true, func(e AuditEntry) string { return e.ID })
}
