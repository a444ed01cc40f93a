package app

import (
	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows"
)

// Actor is who asks for a use case: a signed-in account and its role.
type Actor struct {
	ID   string
	Role string
	// IP is the client's address as the adapter saw it (Echo's RealIP,
	// which honours the trusted proxies); the audit log records it.
	IP string
}

// ActorOf is the actor of a signed-in account.
func ActorOf(acct models.Account) Actor { return Actor{ID: acct.ID, Role: acct.Role} }

// IsAdmin reports whether the actor is an admin.
func (a Actor) IsAdmin() bool { return a.Role == models.RoleAdmin }

// require refuses an actor of another role: the adapters check roles on
// every route, and the use case checks again, so that no adapter can
// forget.
func (a Actor) require(roles ...string) error {
	for _, r := range roles {
		if a.Role == r {
			return nil
		}
	}
	return workflows.ErrForbidden
}

// canRead reports whether the actor may read an entity owned by ownerID:
// its owner, an admin, or a reviewer assigned to it.
func (a Actor) canRead(ownerID string, assigned bool) bool {
	switch a.Role {
	case models.RoleAdmin:
		return true
	case models.RoleReviewer:
		return assigned
	}
	return a.ID == ownerID
}
