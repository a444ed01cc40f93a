package app

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows"
	"github.com/campusbiz/campusbiz/workflows/engine"
	"github.com/campusbiz/campusbiz/workflows/msg"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// rubric is the programme's criteria, in order.
func (a *App) rubric(ctx context.Context, programID string) ([]models.FundCriterion, error) {
	return rubricOf(a.db.WithContext(ctx), programID)
}

// rubricOf is the programme's criteria, in order, read through db.
func rubricOf(db *gorm.DB, programID string) ([]models.FundCriterion, error) {
	var out []models.FundCriterion
	if err := db.Where("program_id = ?", programID).Order("position").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("load the rubric of %s: %w", programID, err)
	}
	return out, nil
}

// Rubric is the programme's rubric; anyone may read it, as the programme.
func (a *App) Rubric(ctx context.Context, programID string) ([]models.FundCriterion, error) {
	prog, err := a.FundProgram(ctx, programID)
	if err != nil {
		return nil, err
	}
	return a.rubric(ctx, prog.ID)
}

// RubricInput is an admin's rubric for a programme: the body of PUT
// /admin/fund-programs/{id}/rubric.
type RubricInput struct {
	Criteria []CriterionInput `json:"criteria" validate:"required,min=1,max=10,dive"`
}

// CriterionInput is one criterion of a rubric.
type CriterionInput struct {
	NameZH    string `json:"name_zh" validate:"required,notblank,max=100,nocontrol"`
	NameEN    string `json:"name_en" validate:"required,notblank,max=100,nocontrol"`
	Weight    int    `json:"weight" validate:"min=1,max=100"`
	MaxPoints int    `json:"max_points" validate:"min=1,max=100"`
}

// SetRubric replaces the programme's rubric, in the order given, until
// its first review is in: then the reviews would no longer be comparable,
// and it is a conflict. It locks the programme's row, which a review being
// submitted holds shared, so no review slips in between.
func (a *App) SetRubric(ctx context.Context, actor Actor, programID string, in RubricInput) ([]models.FundCriterion, error) {
	if err := actor.require(models.RoleAdmin); err != nil {
		return nil, err
	}
	if err := checkID(programID); err != nil {
		return nil, err
	}
	if err := a.validate(in); err != nil {
		return nil, err
	}
	out := make([]models.FundCriterion, len(in.Criteria))
	err := a.engine.Do(ctx, func(w *engine.Work) error {
		tx := w.DB()
		var prog models.FundProgram
		err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Take(&prog, "id = ?", programID).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return workflows.ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("lock programme %s: %w", programID, err)
		}
		var reviewed bool
		err = tx.Raw(`SELECT EXISTS (SELECT 1 FROM fund_review_scores s JOIN fund_criteria c ON c.id = s.criterion_id
			WHERE c.program_id = ?)`, prog.ID).Row().Scan(&reviewed)
		if err != nil {
			return fmt.Errorf("look for reviews of %s: %w", prog.ID, err)
		}
		if reviewed {
			return workflows.Refuse(workflows.ErrConflict, msg.FundRubricReviewed)
		}
		var before []models.FundCriterion
		if err := tx.Where("program_id = ?", prog.ID).Order("position").Find(&before).Error; err != nil {
			return fmt.Errorf("read the rubric of %s: %w", prog.ID, err)
		}
		if err := tx.Where("program_id = ?", prog.ID).Delete(&models.FundCriterion{}).Error; err != nil {
			return fmt.Errorf("clear the rubric of %s: %w", prog.ID, err)
		}
		for i, c := range in.Criteria {
			out[i] = models.FundCriterion{ID: models.NewID(), ProgramID: prog.ID, Position: i + 1, NameZH: strings.TrimSpace(c.NameZH),
				NameEN: strings.TrimSpace(c.NameEN), Weight: c.Weight, MaxPoints: c.MaxPoints}
		}
		if err := tx.Create(&out).Error; err != nil {
			return fmt.Errorf("set the rubric of %s: %w", prog.ID, err)
		}
		return a.audit(w, actor, AuditSetRubric, "fund_program", prog.ID, before, out)
	})
	return out, err
}
