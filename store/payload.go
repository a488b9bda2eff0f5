package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
)

// Payload plaintext format (before sealing):
//
//	'P' ‖ uvarint(len(meta)) ‖ meta ‖ { uvarint(len(data)) ‖ data } per attachment
//
// meta is the Payload as JSON without the attachments' bytes, which follow
// raw: a DNI image costs its own size, not a third more in base64.
const payloadMagic = 'P'

func encodePayload(p *Payload) ([]byte, error) {
	meta := *p
	size := 0
	if len(p.Attachments) > 0 {
		meta.Attachments = make([]Attachment, len(p.Attachments))
		for i, a := range p.Attachments {
			meta.Attachments[i] = Attachment{Name: a.Name, ContentType: a.ContentType}
			size += binary.MaxVarintLen64 + len(a.Data)
		}
	}
	mj, err := json.Marshal(&meta)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, 1+binary.MaxVarintLen64+len(mj)+size)
	out = append(out, payloadMagic)
	out = binary.AppendUvarint(out, uint64(len(mj)))
	out = append(out, mj...)
	for _, a := range p.Attachments {
		out = binary.AppendUvarint(out, uint64(len(a.Data)))
		out = append(out, a.Data...)
	}
	return out, nil
}

var errPayloadFormat = errors.New("payload: bad format")

func decodePayload(b []byte) (Payload, error) {
	var p Payload
	if len(b) == 0 || b[0] != payloadMagic {
		return p, errPayloadFormat
	}
	b = b[1:]
	next := func() ([]byte, error) {
		n, k := binary.Uvarint(b)
		if k <= 0 || n > uint64(len(b)-k) {
			return nil, errPayloadFormat
		}
		v := b[k : k+int(n)]
		b = b[k+int(n):]
		return v, nil
	}
	mj, err := next()
	if err != nil {
		return p, err
	}
	if err := json.Unmarshal(mj, &p); err != nil {
		return p, fmt.Errorf("payload: %w", err)
	}
	for i := range p.Attachments {
		d, err := next()
		if err != nil {
			return p, err
		}
		p.Attachments[i].Data = d
	}
	if len(b) != 0 {
		return p, errPayloadFormat
	}
	return p, nil
}
