namespace Stlm.Model.Data;

/// <summary>
/// A stretch of a document's text as a reader yields it. Long documents come in several pieces
/// cut where tokenisation cannot change (see <see cref="PlainTextReader"/>); the tokenizer's
/// end-of-text id follows only the piece that ends its document.
/// </summary>
public sealed record TextPiece(string Text, bool EndsDocument);
