package certificates

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"fmt"
	"io"
	"strconv"
	"time"
)

// StatusListSize is the number of entries (bits) in each status list: the
// W3C Bitstring Status List minimum, 16 KiB uncompressed, so a list does not
// reveal by its size how many certificates were issued.
const StatusListSize = 131072

// StatusPurpose is the only status purpose campusbiz publishes.
const StatusPurpose = "revocation"

// EncodeStatusList encodes the bitstring of size bits (a multiple of 8)
// whose bits at the indexes set are 1, as Bitstring Status List's
// encodedList: multibase base64url ('u', no padding) of the GZIP of the
// bits, index 0 being the most significant bit of the first byte.
func EncodeStatusList(set []int, size int) (string, error) {
	if size <= 0 || size%8 != 0 {
		return "", fmt.Errorf("encode status list: size %d is not a positive multiple of 8", size)
	}
	bits := make([]byte, size/8)
	for _, i := range set {
		if i < 0 || i >= size {
			return "", fmt.Errorf("encode status list: index %d is outside 0..%d", i, size-1)
		}
		bits[i/8] |= 0x80 >> (i % 8)
	}
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return "", fmt.Errorf("encode status list: %w", err)
	}
	if _, err := zw.Write(bits); err != nil {
		return "", fmt.Errorf("encode status list: gzip: %w", err)
	}
	if err := zw.Close(); err != nil {
		return "", fmt.Errorf("encode status list: gzip: %w", err)
	}
	return "u" + base64.RawURLEncoding.EncodeToString(buf.Bytes()), nil
}

// maxStatusListBytes bounds a decoded bitstring (16 Mibit), so a small
// gzip bomb cannot exhaust memory.
const maxStatusListBytes = 2 << 20

// DecodeStatusList decodes an encodedList into its bitstring. Errors wrap
// [ErrMalformed].
func DecodeStatusList(encoded string) ([]byte, error) {
	if len(encoded) < 2 || encoded[0] != 'u' {
		return nil, fmt.Errorf("decode status list: %w: not multibase base64url ('u')", ErrMalformed)
	}
	if len(encoded) > maxStatusListBytes {
		return nil, fmt.Errorf("decode status list: %w: %d characters", ErrMalformed, len(encoded))
	}
	gz, err := base64.RawURLEncoding.DecodeString(encoded[1:])
	if err != nil {
		return nil, fmt.Errorf("decode status list: %w: %w", ErrMalformed, err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, fmt.Errorf("decode status list: %w: gzip: %w", ErrMalformed, err)
	}
	bits, err := io.ReadAll(io.LimitReader(zr, maxStatusListBytes+1))
	if err != nil {
		return nil, fmt.Errorf("decode status list: %w: gzip: %w", ErrMalformed, err)
	}
	if len(bits) > maxStatusListBytes {
		return nil, fmt.Errorf("decode status list: %w: more than %d bytes", ErrMalformed, maxStatusListBytes)
	}
	return bits, nil
}

// StatusBit reports whether index i of bits is set; an index past the end
// is not.
func StatusBit(bits []byte, i int) bool {
	if i < 0 || i/8 >= len(bits) {
		return false
	}
	return bits[i/8]&(0x80>>(i%8)) != 0
}

// StatusEntry is a credential's BitstringStatusListEntry.
type StatusEntry struct {
	// ID is the list URL + "#" + the index.
	ID string `json:"id"`
	// Type is "BitstringStatusListEntry".
	Type string `json:"type"`
	// StatusPurpose is [StatusPurpose].
	StatusPurpose string `json:"statusPurpose"`
	// StatusListIndex is the certificate's bit in the list, in decimal.
	StatusListIndex string `json:"statusListIndex"`
	// StatusListCredential is the list credential's URL.
	StatusListCredential string `json:"statusListCredential"`
}

// StatusPosition splits a certificate's global status index (allocated
// once per certificate) into its list number and its index in that list.
func StatusPosition(global int64) (list int64, index int) {
	return global / StatusListSize, int(global % StatusListSize)
}

// NewStatusEntry is the entry of the bit index in the list at listURL.
func NewStatusEntry(listURL string, index int) StatusEntry {
	i := strconv.Itoa(index)
	return StatusEntry{ID: listURL + "#" + i, Type: "BitstringStatusListEntry", StatusPurpose: StatusPurpose,
		StatusListIndex: i, StatusListCredential: listURL}
}

// StatusListCredential is a BitstringStatusListCredential (before its
// proof is added with [AddProof]).
type StatusListCredential struct {
	// Context is [ContextVCv2].
	Context []string `json:"@context"`
	// ID is the list's URL.
	ID string `json:"id"`
	// Type is ["VerifiableCredential", "BitstringStatusListCredential"].
	Type []string `json:"type"`
	// Issuer is the issuer's DID, the same as the certificates'.
	Issuer string `json:"issuer"`
	// ValidFrom is when this version of the list was signed.
	ValidFrom string `json:"validFrom"`
	// CredentialSubject is the list itself.
	CredentialSubject StatusList `json:"credentialSubject"`
}

// StatusList is a BitstringStatusList.
type StatusList struct {
	// ID is the list URL + "#list".
	ID string `json:"id"`
	// Type is "BitstringStatusList".
	Type string `json:"type"`
	// StatusPurpose is [StatusPurpose].
	StatusPurpose string `json:"statusPurpose"`
	// EncodedList is [EncodeStatusList] of the revoked indexes.
	EncodedList string `json:"encodedList"`
}

// NewStatusListCredential builds the revocation list at listURL issued by
// issuerDID at validFrom, with the bits of the revoked indexes set.
func NewStatusListCredential(listURL, issuerDID string, revoked []int, validFrom time.Time) (StatusListCredential, error) {
	enc, err := EncodeStatusList(revoked, StatusListSize)
	if err != nil {
		return StatusListCredential{}, fmt.Errorf("status list %s: %w", listURL, err)
	}
	return StatusListCredential{
		Context: []string{ContextVCv2}, ID: listURL,
		Type:   []string{"VerifiableCredential", "BitstringStatusListCredential"},
		Issuer: issuerDID, ValidFrom: FormatValidFrom(validFrom),
		CredentialSubject: StatusList{ID: listURL + "#list", Type: "BitstringStatusList",
			StatusPurpose: StatusPurpose, EncodedList: enc},
	}, nil
}
