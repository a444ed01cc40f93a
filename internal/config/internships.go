package config

import (
	"errors"
	"fmt"
	"time"

	"github.com/robfig/cron/v3"
)

// validateInternships checks the internship matching settings.
func (c Config) validateInternships() error {
	if c.InternshipOfferTTL < time.Minute {
		return errors.New("INTERNSHIP_OFFER_TTL: must be at least 1m (for example 72h)")
	}
	_, err := c.MatchCron()
	return err
}

// MatchCron parses MatchSchedule: a standard five-field cron expression
// ("0 2 * * *"), optionally prefixed with CRON_TZ=<zone>, or a descriptor
// such as @daily. It returns nil when no schedule is set.
func (c Config) MatchCron() (cron.Schedule, error) {
	if c.MatchSchedule == "" {
		return nil, nil
	}
	s, err := cron.ParseStandard(c.MatchSchedule)
	if err != nil {
		return nil, fmt.Errorf("MATCH_SCHEDULE: %q is not a cron schedule such as \"0 2 * * *\": %w", c.MatchSchedule, err)
	}
	return s, nil
}
