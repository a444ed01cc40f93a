package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows"
	"github.com/campusbiz/campusbiz/workflows/certificates"
	"github.com/campusbiz/campusbiz/workflows/engine"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// statusListLock is the first key of the advisory lock that serializes the
// signing of one status list (the second key is the list number).
const statusListLock = 16

// CertificateCredential is the signed credential (W3C VC 2.0 with its Data
// Integrity proof) of the certificate rawSerial, as stored at issuance;
// anyone may read it. Revoked certificates are served too: their status
// list says they are revoked. Malformed and unknown serials are the same
// workflows.ErrNotFound.
func (a *App) CertificateCredential(ctx context.Context, rawSerial string) (models.Certificate, error) {
	serial, ok := certificates.NormalizeSerial(rawSerial)
	if !ok {
		return models.Certificate{}, workflows.ErrNotFound
	}
	var c models.Certificate
	err := a.db.WithContext(ctx).Select("serial", "credential").Take(&c, "serial = ?", serial).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return models.Certificate{}, workflows.ErrNotFound
	}
	if err != nil {
		return models.Certificate{}, fmt.Errorf("load credential %s: %w", serial, err)
	}
	return c, nil
}

// DIDDocument is the issuer's did:web DID document: every published key.
func (a *App) DIDDocument() (certificates.DIDDocument, error) {
	return a.keys.DIDDocument(a.cfg.PublicBaseURL)
}

// StatusList is the signed revocation status list credential number list,
// as stored when it was last signed. A list that has certificates but was
// never signed (none of them revoked yet), or that an older key or another
// PUBLIC_BASE_URL signed, is signed now with the current key. Lists
// without certificates are workflows.ErrNotFound.
func (a *App) StatusList(ctx context.Context, list int64) (models.CertificateStatusList, error) {
	if list < 0 || list > (1<<62)/certificates.StatusListSize {
		return models.CertificateStatusList{}, workflows.ErrNotFound
	}
	var sl models.CertificateStatusList
	err := a.db.WithContext(ctx).Take(&sl, "list = ?", list).Error
	if err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
		return sl, fmt.Errorf("load status list %d: %w", list, err)
	}
	key, hasKey := a.keys.Signing()
	if err == nil && (!hasKey || (sl.KeyID == key.ID && a.statusListIsCurrent(sl))) {
		return sl, nil
	}
	var exists bool
	lo, hi := list*certificates.StatusListSize, (list+1)*certificates.StatusListSize
	if err := a.db.WithContext(ctx).Raw(`SELECT EXISTS (SELECT 1 FROM certificates WHERE status_index >= ? AND status_index < ?)`,
		lo, hi).Scan(&exists).Error; err != nil {
		return sl, fmt.Errorf("look for status list %d: %w", list, err)
	}
	if !exists {
		return sl, workflows.ErrNotFound
	}
	if !hasKey {
		return sl, fmt.Errorf("status list %d: %w", list, workflows.ErrNoSigningKey)
	}
	err = a.engine.Do(ctx, func(w *engine.Work) error { return a.signStatusList(ctx, w.DB(), list) })
	if err != nil {
		return sl, err
	}
	if err := a.db.WithContext(ctx).Take(&sl, "list = ?", list).Error; err != nil {
		return sl, fmt.Errorf("load status list %d: %w", list, err)
	}
	return sl, nil
}

// statusListIsCurrent reports whether the stored list was signed under
// the current PUBLIC_BASE_URL (its id is this list's URL), so a changed
// base URL gets the list signed again under the new issuer.
func (a *App) statusListIsCurrent(sl models.CertificateStatusList) bool {
	var head struct {
		ID string `json:"id"`
	}
	return json.Unmarshal(sl.Credential, &head) == nil && head.ID == workflows.StatusListURL(a.cfg.PublicBaseURL, sl.List)
}

// signStatusList signs status list list again from the certificates'
// states in tx, under a transaction-scoped advisory lock of the list, so
// that concurrent revocations in one list each see the other's committed
// bit. Without a signing key it keeps the stored list and says so in the
// log: the revocation is recorded, and the list is signed once a key is set.
func (a *App) signStatusList(ctx context.Context, tx *gorm.DB, list int64) error {
	if _, ok := a.keys.Signing(); !ok {
		a.log.WarnContext(ctx, "status list not signed again: no signing key", "list", list)
		return nil
	}
	if err := tx.Exec(`SELECT pg_advisory_xact_lock(?, ?)`, statusListLock, int32(list)).Error; err != nil {
		return fmt.Errorf("lock status list %d: %w", list, err)
	}
	lo, hi := list*certificates.StatusListSize, (list+1)*certificates.StatusListSize
	var revoked []int64
	err := tx.Raw(`SELECT status_index FROM certificates WHERE status = ? AND status_index >= ? AND status_index < ? ORDER BY status_index`,
		workflows.CertificateRevoked, lo, hi).Scan(&revoked).Error
	if err != nil {
		return fmt.Errorf("read the revoked bits of status list %d: %w", list, err)
	}
	bits := make([]int, len(revoked))
	for i, r := range revoked {
		_, bits[i] = certificates.StatusPosition(r)
	}
	sl, err := a.keys.SignStatusList(a.cfg.PublicBaseURL, list, bits, a.now())
	if err != nil {
		return err
	}
	err = tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "list"}}, UpdateAll: true}).Create(&sl).Error
	if err != nil {
		return fmt.Errorf("store status list %d: %w", list, err)
	}
	return nil
}

// legacyCredential is what UpgradeCertificates reads of a certificate
// issued before credentials carried a proof (JSON canonicalized with RFC
// 8785, an Ed25519 signature beside it).
type legacyCredential struct {
	Proof             json.RawMessage `json:"proof"`
	CredentialSubject struct {
		Name string `json:"name"`
	} `json:"credentialSubject"`
}

// UpgradeCertificates signs again, as W3C Verifiable Credentials with a
// Data Integrity proof and a status entry, the certificates issued in the
// earlier format: same serial, holder name (as it was signed), course and
// issue date, a proof by the current key. It is run when the worker
// starts; each certificate is upgraded in its own unit of work under its
// row lock, so concurrent runs upgrade each once. It returns how many it
// upgraded; without a signing key it upgrades none.
func (a *App) UpgradeCertificates(ctx context.Context) (int, error) {
	key, ok := a.keys.Signing()
	if !ok {
		return 0, nil
	}
	var ids []string
	err := a.db.WithContext(ctx).Raw(`SELECT id FROM certificates
		WHERE NOT (convert_from(credential, 'UTF8')::jsonb ? 'proof') ORDER BY issued_at, id`).Scan(&ids).Error
	if err != nil {
		return 0, fmt.Errorf("find certificates to upgrade: %w", err)
	}
	n := 0
	for _, id := range ids {
		upgraded := false
		err := a.engine.Do(ctx, func(w *engine.Work) error {
			tx := w.DB()
			var c models.Certificate
			if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Omit("pdf").Take(&c, "id = ?", id).Error; err != nil {
				return fmt.Errorf("lock certificate %s: %w", id, err)
			}
			var old legacyCredential
			if err := json.Unmarshal(c.Credential, &old); err != nil {
				return fmt.Errorf("certificate %s: %w", c.Serial, err)
			}
			if len(old.Proof) > 0 {
				return nil // upgraded by another process meanwhile
			}
			var course models.Course
			if err := tx.Take(&course, "id = ?", c.CourseID).Error; err != nil {
				return fmt.Errorf("load course %s of certificate %s: %w", c.CourseID, c.Serial, err)
			}
			salt, err := certificates.NewSalt()
			if err != nil {
				return err
			}
			in, err := workflows.CertificateInput(c.Serial, old.CredentialSubject.Name, c.AccountID, salt, course,
				a.cfg.PublicBaseURL, c.IssuedAt, c.StatusIndex)
			if err != nil {
				return err
			}
			signed, proofValue, err := workflows.SignCertificate(key, in)
			if err != nil {
				return err
			}
			err = tx.Model(&c).Updates(map[string]any{"credential": signed, "key_id": key.ID, "signature": proofValue}).Error
			if err != nil {
				return fmt.Errorf("store the upgraded certificate %s: %w", c.Serial, err)
			}
			upgraded = true
			return nil
		})
		if err != nil {
			return n, err
		}
		if upgraded {
			n++
		}
	}
	return n, nil
}
