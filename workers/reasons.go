package workers

import (
	"encoding/json"

	"github.com/campusbiz/campusbiz/models"
	"gorm.io/gorm"
)

// reasonsJSON is a column value for a jsonb reasons list (never NULL).
func reasonsJSON(reasons []models.Reason) any {
	if reasons == nil {
		reasons = []models.Reason{}
	}
	b, _ := json.Marshal(reasons) // codes and msg params (strings, integers, times, lists) always marshal
	return gorm.Expr("?::jsonb", string(b))
}
