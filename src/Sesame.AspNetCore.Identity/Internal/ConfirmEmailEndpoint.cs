using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.Data;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Sesame.AspNetCore.Identity.Internal;

/// <summary>
/// Metadata shared by the endpoints of one <c>MapSesameIdentityApi</c> call: the name of its confirm-email endpoint (known once that
/// endpoint is built), for the links the others send.
/// </summary>
internal sealed class ConfirmEmailEndpoint
{
    public string? Name { get; set; }
}
