// Package seed loads the reference data a programme starts with: the partner
// colleges shipped in data/colleges.json and the first admin. Every step is
// idempotent.
package seed

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"

	"github.com/campusbiz/campusbiz/models"
	"gorm.io/gorm"
)

//go:embed data/colleges.json
var collegesJSON []byte

// CollegeRecord is one entry of data/colleges.json.
type CollegeRecord struct {
	Name         string   `json:"name"`
	NameEN       string   `json:"name_en"`
	Province     string   `json:"province"`
	EmailDomains []string `json:"email_domains"`
}

// Colleges returns the shipped partner colleges.
func Colleges() ([]CollegeRecord, error) {
	var recs []CollegeRecord
	if err := json.Unmarshal(collegesJSON, &recs); err != nil {
		return nil, fmt.Errorf("parse colleges.json: %w", err)
	}
	return recs, nil
}

// LoadColleges inserts the shipped colleges that are not there yet (by
// name) and returns how many it inserted.
func LoadColleges(ctx context.Context, db *gorm.DB) (int, error) {
	recs, err := Colleges()
	if err != nil {
		return 0, err
	}
	inserted := 0
	err = db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for _, r := range recs {
			domains, err := json.Marshal(r.EmailDomains)
			if err != nil {
				return fmt.Errorf("college %s: %w", r.Name, err)
			}
			res := tx.Exec(`INSERT INTO colleges (id, name, name_en, province, email_domains)
				VALUES (?, ?, ?, ?, ?::jsonb) ON CONFLICT (name) DO NOTHING`,
				models.NewID(), r.Name, r.NameEN, r.Province, string(domains))
			if res.Error != nil {
				return fmt.Errorf("insert college %s: %w", r.Name, res.Error)
			}
			inserted += int(res.RowsAffected)
		}
		return nil
	})
	return inserted, err
}
