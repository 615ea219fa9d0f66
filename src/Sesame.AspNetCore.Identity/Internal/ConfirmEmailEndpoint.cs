namespace Sesame.AspNetCore.Identity.Internal;

/// <summary>
/// Metadata shared by the endpoints of one <c>MapSesameIdentityApi</c> call: the name of its confirm-email endpoint (known once that
/// endpoint is built), for the links the others send.
/// </summary>
internal sealed class ConfirmEmailEndpoint
{
    public string? Name { get; set; }
}
