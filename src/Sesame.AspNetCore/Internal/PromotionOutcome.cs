namespace Sesame.AspNetCore.Internal;

/// <summary>The result of one promotion; when <paramref name="Kind"/> is <see cref="PromotionOutcomeKind.Current"/>,
/// <paramref name="AccessTokenPayloadJson"/> is the row's payload and <paramref name="Fresh"/> the access token signed for it.</summary>
internal readonly record struct PromotionOutcome(PromotionOutcomeKind Kind, string? AccessTokenPayloadJson, SesameSession? Fresh);
