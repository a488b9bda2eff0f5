package main

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime/quotedprintable"
)

func base64Reader(raw []byte) io.Reader {
	return base64.NewDecoder(base64.StdEncoding, bytes.NewReader(bytes.Map(func(r rune) rune {
		if r == '\r' || r == '\n' {
			return -1
		}
		return r
	}, raw)))
}

func qpReader(raw []byte) io.Reader { return quotedprintable.NewReader(bytes.NewReader(raw)) }
