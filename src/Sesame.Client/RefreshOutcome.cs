namespace Sesame.Client;

/// <summary>The result of <see cref="RefreshCoordinator.RefreshAfterUnauthorisedAsync"/>. The caller owns (and must dispose) <see cref="Response"/>.</summary>
/// <param name="Kind">What was decided.</param>
/// <param name="Response">The refresh endpoint's response, when the caller may need it.</param>
internal readonly record struct RefreshOutcome(RefreshOutcomeKind Kind, HttpResponseMessage? Response);
