package app

import (
	"context"
	"fmt"
	"strings"

	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows"
	"github.com/campusbiz/campusbiz/workflows/engine"
	"github.com/campusbiz/campusbiz/workflows/msg"
)

// CollegeInput is a new partner college: the body of POST /admin/colleges.
type CollegeInput struct {
	Name         string   `json:"name" validate:"required,notblank,max=100,nocontrol"`
	NameEN       string   `json:"name_en" validate:"max=200,nocontrol"`
	Province     string   `json:"province" validate:"required,notblank,max=50,nocontrol"`
	EmailDomains []string `json:"email_domains" validate:"required,min=1,max=10,dive,fqdn,max=100"`
}

// maxCollegeQuery is the longest college search term.
const maxCollegeQuery = 100

// Colleges lists the partner colleges whose name (Chinese or English) or
// province contains query ("" for all), by id; anyone may read them.
func (a *App) Colleges(ctx context.Context, query string, p Page) (List[models.College], error) {
	q := a.db.WithContext(ctx)
	if term := strings.TrimSpace(query); term != "" {
		if len(term) > maxCollegeQuery {
			return List[models.College]{}, workflows.Invalid("q", msg.FieldTooLong, msg.Int("max", maxCollegeQuery))
		}
		like := "%" + escapeLike(term) + "%"
		q = q.Where("name ILIKE ? OR name_en ILIKE ? OR province ILIKE ?", like, like, like)
	}
	return listRows(q, p, "id", false, func(c models.College) string { return c.ID })
}

// collegeChoiceLimit bounds the colleges a form offers; the programme has
// about a thousand.
const collegeChoiceLimit = 2000

// CollegeChoices are the partner colleges by name, for a form's list.
func (a *App) CollegeChoices(ctx context.Context) ([]models.College, error) {
	var colleges []models.College
	if err := a.db.WithContext(ctx).Order("name").Limit(collegeChoiceLimit).Find(&colleges).Error; err != nil {
		return nil, fmt.Errorf("load colleges: %w", err)
	}
	return colleges, nil
}

// CreateCollege adds a partner college; a taken name is a conflict on "name".
func (a *App) CreateCollege(ctx context.Context, actor Actor, in CollegeInput) (models.College, error) {
	if err := actor.require(models.RoleAdmin); err != nil {
		return models.College{}, err
	}
	if err := a.validate(in); err != nil {
		return models.College{}, err
	}
	domains := make([]string, len(in.EmailDomains))
	for i, d := range in.EmailDomains {
		domains[i] = strings.ToLower(d)
	}
	col := models.College{ID: models.NewID(), Name: strings.TrimSpace(in.Name), NameEN: strings.TrimSpace(in.NameEN),
		Province: strings.TrimSpace(in.Province), EmailDomains: domains}
	err := a.engine.Do(ctx, func(w *engine.Work) error {
		if err := w.DB().Create(&col).Error; err != nil {
			return err
		}
		return a.audit(w, actor, AuditCreateCollege, "college", col.ID, nil, col)
	})
	if engine.IsUniqueViolation(err) {
		return models.College{}, workflows.RefuseField(workflows.ErrConflict, "name", msg.CollegeNameTaken)
	}
	if err != nil {
		return models.College{}, fmt.Errorf("create college: %w", err)
	}
	return col, nil
}

// escapeLike makes a search term match literally inside LIKE.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
