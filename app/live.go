package app

import (
	"context"
	"fmt"

	"github.com/campusbiz/campusbiz/models"
)

// StatusVersion fingerprints the state of all the actor's workflows
// (onboarding, shops, fund and internship applications, enrollments) and
// their notifications: it changes whenever a workflow moves, so that a
// page showing them can tell, cheaply, that it is out of date (the pages'
// live status polls it with an ETag).
func (a *App) StatusVersion(ctx context.Context, actor Actor) (string, error) {
	if err := actor.require(models.RoleApplicant); err != nil {
		return "", err
	}
	var version string
	err := a.db.WithContext(ctx).Raw(`SELECT md5(coalesce(string_agg(s, ',' ORDER BY s), '')) FROM (
		SELECT 'o' || id::text || status AS s FROM student_profiles WHERE account_id = @id
		UNION ALL SELECT 's' || id::text || status FROM shops WHERE account_id = @id
		UNION ALL SELECT 'f' || id::text || status FROM fund_applications WHERE account_id = @id
		UNION ALL SELECT 'i' || id::text || status FROM internship_applications WHERE account_id = @id
		UNION ALL SELECT 'e' || id::text || status FROM enrollments WHERE account_id = @id
		UNION ALL SELECT 'n' || count(*)::text FROM notifications WHERE account_id = @id) x`,
		map[string]any{"id": actor.ID}).Row().Scan(&version)
	if err != nil {
		return "", fmt.Errorf("status version of %s: %w", actor.ID, err)
	}
	return version, nil
}
