package server

import (
	"context"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"
)

// unimplemented is the default protocol.Server: requests are answered
// method-not-found, notifications ignored. protocol.Server has no default of its own;
// session embeds this and overrides what it serves. (handler.go only routes the
// methods in its standard table here, so most of these are never reached.)
type unimplemented struct{}

var _ protocol.Server = (*session)(nil)

func notFound(method string) error {
	return jsonrpc2.Errorf(jsonrpc2.MethodNotFound, "method not found: %s", method)
}

func (unimplemented) Initialize(context.Context, *protocol.InitializeParams) (*protocol.InitializeResult, error) {
	return nil, notFound(protocol.MethodInitialize)
}
func (unimplemented) Initialized(context.Context, *protocol.InitializedParams) error { return nil }
func (unimplemented) Shutdown(context.Context) error                                 { return nil }
func (unimplemented) Exit(context.Context) error                                     { return nil }
func (unimplemented) WorkDoneProgressCancel(context.Context, *protocol.WorkDoneProgressCancelParams) error {
	return nil
}
func (unimplemented) LogTrace(context.Context, *protocol.LogTraceParams) error { return nil }
func (unimplemented) SetTrace(context.Context, *protocol.SetTraceParams) error { return nil }
func (unimplemented) CodeAction(context.Context, *protocol.CodeActionParams) ([]protocol.CodeAction, error) {
	return nil, notFound(protocol.MethodTextDocumentCodeAction)
}
func (unimplemented) CodeLens(context.Context, *protocol.CodeLensParams) ([]protocol.CodeLens, error) {
	return nil, notFound(protocol.MethodTextDocumentCodeLens)
}
func (unimplemented) CodeLensResolve(context.Context, *protocol.CodeLens) (*protocol.CodeLens, error) {
	return nil, notFound(protocol.MethodCodeLensResolve)
}
func (unimplemented) ColorPresentation(context.Context, *protocol.ColorPresentationParams) ([]protocol.ColorPresentation, error) {
	return nil, notFound(protocol.MethodTextDocumentColorPresentation)
}
func (unimplemented) Completion(context.Context, *protocol.CompletionParams) (*protocol.CompletionList, error) {
	return nil, notFound(protocol.MethodTextDocumentCompletion)
}
func (unimplemented) CompletionResolve(context.Context, *protocol.CompletionItem) (*protocol.CompletionItem, error) {
	return nil, notFound(protocol.MethodCompletionItemResolve)
}
func (unimplemented) Declaration(context.Context, *protocol.DeclarationParams) ([]protocol.Location, error) {
	return nil, notFound(protocol.MethodTextDocumentDeclaration)
}
func (unimplemented) Definition(context.Context, *protocol.DefinitionParams) ([]protocol.Location, error) {
	return nil, notFound(protocol.MethodTextDocumentDefinition)
}
func (unimplemented) DidChange(context.Context, *protocol.DidChangeTextDocumentParams) error {
	return nil
}
func (unimplemented) DidChangeConfiguration(context.Context, *protocol.DidChangeConfigurationParams) error {
	return nil
}
func (unimplemented) DidChangeWatchedFiles(context.Context, *protocol.DidChangeWatchedFilesParams) error {
	return nil
}
func (unimplemented) DidChangeWorkspaceFolders(context.Context, *protocol.DidChangeWorkspaceFoldersParams) error {
	return nil
}
func (unimplemented) DidClose(context.Context, *protocol.DidCloseTextDocumentParams) error {
	return nil
}
func (unimplemented) DidOpen(context.Context, *protocol.DidOpenTextDocumentParams) error { return nil }
func (unimplemented) DidSave(context.Context, *protocol.DidSaveTextDocumentParams) error { return nil }
func (unimplemented) DocumentColor(context.Context, *protocol.DocumentColorParams) ([]protocol.ColorInformation, error) {
	return nil, notFound(protocol.MethodTextDocumentDocumentColor)
}
func (unimplemented) DocumentHighlight(context.Context, *protocol.DocumentHighlightParams) ([]protocol.DocumentHighlight, error) {
	return nil, notFound(protocol.MethodTextDocumentDocumentHighlight)
}
func (unimplemented) DocumentLink(context.Context, *protocol.DocumentLinkParams) ([]protocol.DocumentLink, error) {
	return nil, notFound(protocol.MethodTextDocumentDocumentLink)
}
func (unimplemented) DocumentLinkResolve(context.Context, *protocol.DocumentLink) (*protocol.DocumentLink, error) {
	return nil, notFound(protocol.MethodDocumentLinkResolve)
}
func (unimplemented) DocumentSymbol(context.Context, *protocol.DocumentSymbolParams) ([]interface{}, error) {
	return nil, notFound(protocol.MethodTextDocumentDocumentSymbol)
}
func (unimplemented) ExecuteCommand(context.Context, *protocol.ExecuteCommandParams) (interface{}, error) {
	return nil, notFound(protocol.MethodWorkspaceExecuteCommand)
}
func (unimplemented) FoldingRanges(context.Context, *protocol.FoldingRangeParams) ([]protocol.FoldingRange, error) {
	return nil, notFound(protocol.MethodTextDocumentFoldingRange)
}
func (unimplemented) Formatting(context.Context, *protocol.DocumentFormattingParams) ([]protocol.TextEdit, error) {
	return nil, notFound(protocol.MethodTextDocumentFormatting)
}
func (unimplemented) Hover(context.Context, *protocol.HoverParams) (*protocol.Hover, error) {
	return nil, notFound(protocol.MethodTextDocumentHover)
}
func (unimplemented) Implementation(context.Context, *protocol.ImplementationParams) ([]protocol.Location, error) {
	return nil, notFound(protocol.MethodTextDocumentImplementation)
}
func (unimplemented) OnTypeFormatting(context.Context, *protocol.DocumentOnTypeFormattingParams) ([]protocol.TextEdit, error) {
	return nil, notFound(protocol.MethodTextDocumentOnTypeFormatting)
}
func (unimplemented) PrepareRename(context.Context, *protocol.PrepareRenameParams) (*protocol.Range, error) {
	return nil, notFound(protocol.MethodTextDocumentPrepareRename)
}
func (unimplemented) RangeFormatting(context.Context, *protocol.DocumentRangeFormattingParams) ([]protocol.TextEdit, error) {
	return nil, notFound(protocol.MethodTextDocumentRangeFormatting)
}
func (unimplemented) References(context.Context, *protocol.ReferenceParams) ([]protocol.Location, error) {
	return nil, notFound(protocol.MethodTextDocumentReferences)
}
func (unimplemented) Rename(context.Context, *protocol.RenameParams) (*protocol.WorkspaceEdit, error) {
	return nil, notFound(protocol.MethodTextDocumentRename)
}
func (unimplemented) SignatureHelp(context.Context, *protocol.SignatureHelpParams) (*protocol.SignatureHelp, error) {
	return nil, notFound(protocol.MethodTextDocumentSignatureHelp)
}
func (unimplemented) Symbols(context.Context, *protocol.WorkspaceSymbolParams) ([]protocol.SymbolInformation, error) {
	return nil, notFound(protocol.MethodWorkspaceSymbol)
}
func (unimplemented) TypeDefinition(context.Context, *protocol.TypeDefinitionParams) ([]protocol.Location, error) {
	return nil, notFound(protocol.MethodTextDocumentTypeDefinition)
}
func (unimplemented) WillSave(context.Context, *protocol.WillSaveTextDocumentParams) error {
	return nil
}
func (unimplemented) WillSaveWaitUntil(context.Context, *protocol.WillSaveTextDocumentParams) ([]protocol.TextEdit, error) {
	return nil, notFound(protocol.MethodTextDocumentWillSaveWaitUntil)
}
func (unimplemented) ShowDocument(context.Context, *protocol.ShowDocumentParams) (*protocol.ShowDocumentResult, error) {
	return nil, notFound(protocol.MethodShowDocument)
}
func (unimplemented) WillCreateFiles(context.Context, *protocol.CreateFilesParams) (*protocol.WorkspaceEdit, error) {
	return nil, notFound(protocol.MethodWillCreateFiles)
}
func (unimplemented) DidCreateFiles(context.Context, *protocol.CreateFilesParams) error { return nil }
func (unimplemented) WillRenameFiles(context.Context, *protocol.RenameFilesParams) (*protocol.WorkspaceEdit, error) {
	return nil, notFound(protocol.MethodWillRenameFiles)
}
func (unimplemented) DidRenameFiles(context.Context, *protocol.RenameFilesParams) error { return nil }
func (unimplemented) WillDeleteFiles(context.Context, *protocol.DeleteFilesParams) (*protocol.WorkspaceEdit, error) {
	return nil, notFound(protocol.MethodWillDeleteFiles)
}
func (unimplemented) DidDeleteFiles(context.Context, *protocol.DeleteFilesParams) error { return nil }
func (unimplemented) CodeLensRefresh(context.Context) error                             { return nil }
func (unimplemented) PrepareCallHierarchy(context.Context, *protocol.CallHierarchyPrepareParams) ([]protocol.CallHierarchyItem, error) {
	return nil, notFound(protocol.MethodTextDocumentPrepareCallHierarchy)
}
func (unimplemented) IncomingCalls(context.Context, *protocol.CallHierarchyIncomingCallsParams) ([]protocol.CallHierarchyIncomingCall, error) {
	return nil, notFound(protocol.MethodCallHierarchyIncomingCalls)
}
func (unimplemented) OutgoingCalls(context.Context, *protocol.CallHierarchyOutgoingCallsParams) ([]protocol.CallHierarchyOutgoingCall, error) {
	return nil, notFound(protocol.MethodCallHierarchyOutgoingCalls)
}
func (unimplemented) SemanticTokensFull(context.Context, *protocol.SemanticTokensParams) (*protocol.SemanticTokens, error) {
	return nil, notFound(protocol.MethodSemanticTokensFull)
}
func (unimplemented) SemanticTokensFullDelta(context.Context, *protocol.SemanticTokensDeltaParams) (interface{}, error) {
	return nil, notFound(protocol.MethodSemanticTokensFullDelta)
}
func (unimplemented) SemanticTokensRange(context.Context, *protocol.SemanticTokensRangeParams) (*protocol.SemanticTokens, error) {
	return nil, notFound(protocol.MethodSemanticTokensRange)
}
func (unimplemented) SemanticTokensRefresh(context.Context) error { return nil }
func (unimplemented) LinkedEditingRange(context.Context, *protocol.LinkedEditingRangeParams) (*protocol.LinkedEditingRanges, error) {
	return nil, notFound(protocol.MethodLinkedEditingRange)
}
func (unimplemented) Moniker(context.Context, *protocol.MonikerParams) ([]protocol.Moniker, error) {
	return nil, notFound(protocol.MethodMoniker)
}
func (unimplemented) Request(_ context.Context, method string, _ interface{}) (interface{}, error) {
	return nil, notFound(method)
}
