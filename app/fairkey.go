package app

import (
	"fmt"

	"github.com/campusbiz/campusbiz/workflows/engine"
)

// collegeOf is the fairness key of accountID's work: the college of its
// student profile, or "" (the default key) when it has none.
func collegeOf(w *engine.Work, accountID string) (string, error) {
	var colleges []string
	err := w.DB().Raw(`SELECT college_id::text FROM student_profiles WHERE account_id = ?`, accountID).Scan(&colleges).Error
	if err != nil {
		return "", fmt.Errorf("look up the college of account %s: %w", accountID, err)
	}
	if len(colleges) == 0 {
		return "", nil
	}
	return colleges[0], nil
}
