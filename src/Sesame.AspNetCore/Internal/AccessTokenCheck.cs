namespace Sesame.AspNetCore.Internal;

internal readonly record struct AccessTokenCheck(AccessTokenStatus Status, SesameSession? Session, string? Reason);
