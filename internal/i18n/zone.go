package i18n

import (
	"time"
	// The zone database, embedded so that the zone loads in any container.
	_ "time/tzdata"
)

// DefaultZoneName is the zone of the times shown to people when none is
// configured (the TIME_ZONE setting's default).
const DefaultZoneName = "Asia/Shanghai"

// DefaultZone is Asia/Shanghai, loaded from the embedded zone database.
func DefaultZone() *time.Location {
	loc, err := time.LoadLocation(DefaultZoneName)
	if err != nil { // cannot happen: time/tzdata is embedded
		return time.FixedZone("CST", 8*3600)
	}
	return loc
}
