package main

import (
	"path/filepath"

	"github.com/airules/airules/rules"
	"github.com/airules/airules/server/wire"
)

// SARIF 2.1.0, just the parts code-scanning UIs read.

type sarifDoc struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool       sarifTool     `json:"tool"`
	ColumnKind string        `json:"columnKind"`
	Results    []sarifResult `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
}

type sarifRule struct {
	ID                   string       `json:"id"`
	ShortDescription     sarifMessage `json:"shortDescription"`
	DefaultConfiguration struct {
		Level string `json:"level"`
	} `json:"defaultConfiguration"`
}

type sarifMessage struct {
	Text string `json:"text"`
}

type sarifResult struct {
	RuleID    string          `json:"ruleId"`
	Level     string          `json:"level"`
	Message   sarifMessage    `json:"message"`
	Locations []sarifLocation `json:"locations"`
}

type sarifLocation struct {
	PhysicalLocation struct {
		ArtifactLocation struct {
			URI string `json:"uri"`
		} `json:"artifactLocation"`
		Region struct {
			StartLine   int `json:"startLine"`
			StartColumn int `json:"startColumn"`
			EndLine     int `json:"endLine"`
			EndColumn   int `json:"endColumn"`
		} `json:"region"`
	} `json:"physicalLocation"`
}

func sarifLevel(severity string) string {
	switch severity {
	case "error":
		return "error"
	case "warning":
		return "warning"
	}
	return "note"
}

func sarifLog(fs []wire.Problem) sarifDoc {
	drv := sarifDriver{Name: "airules", Version: version(), InformationURI: "https://github.com/airules/airules"}
	for _, c := range rules.Codes {
		r := sarifRule{ID: string(c.Code), ShortDescription: sarifMessage{c.Summary}}
		r.DefaultConfiguration.Level = sarifLevel(c.Severity.String())
		drv.Rules = append(drv.Rules, r)
	}
	run := sarifRun{Tool: sarifTool{drv}, ColumnKind: "utf16CodeUnits", Results: []sarifResult{}}
	for _, f := range fs {
		res := sarifResult{RuleID: f.Code, Level: sarifLevel(f.Severity), Message: sarifMessage{f.Message}}
		var loc sarifLocation
		loc.PhysicalLocation.ArtifactLocation.URI = filepath.ToSlash(f.File)
		reg := &loc.PhysicalLocation.Region
		reg.StartLine, reg.StartColumn, reg.EndLine, reg.EndColumn = f.Line, f.Column, f.EndLine, f.EndColumn
		res.Locations = []sarifLocation{loc}
		run.Results = append(run.Results, res)
	}
	return sarifDoc{Schema: "https://json.schemastore.org/sarif-2.1.0.json", Version: "2.1.0", Runs: []sarifRun{run}}
}
