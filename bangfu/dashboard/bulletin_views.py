"""The bulletin page and its .docx and PDF downloads, for the dashboard's slice form."""

from __future__ import annotations

import tempfile

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from bangfu.core.pdf import FontMissingError
from bangfu.dashboard import bulletin as bulletins
from bangfu.dashboard.chart_views import slice_from_request

FORMATS = {"docx": bulletins.write_docx, "pdf": bulletins.write_pdf}


@login_required
def bulletin_page(request: HttpRequest) -> HttpResponse:
    """The bulletin for the chosen slice, as it will read in the downloads."""
    form, slice_ = slice_from_request(request)
    context = {
        "form": form,
        "slice": slice_,
        "bulletin": bulletins.build_bulletin(slice_) if slice_ is not None else None,
        "query": request.GET.urlencode(),
    }
    return render(request, "dashboard/bulletin.html", context)


@login_required
def bulletin_download(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt not in FORMATS:
        raise Http404(fmt)
    _form, slice_ = slice_from_request(request)
    if slice_ is None:
        return redirect(reverse("dashboard:bulletin") + "?" + request.GET.urlencode())
    bulletin = bulletins.build_bulletin(slice_)
    temp = tempfile.TemporaryFile()
    try:
        FORMATS[fmt](bulletin, temp)
    except FontMissingError as e:
        temp.close()
        messages.error(request, str(e))
        return redirect(reverse("dashboard:bulletin") + "?" + request.GET.urlencode())
    temp.seek(0)
    return FileResponse(temp, as_attachment=True, filename=f"{bulletins.filename(bulletin)}.{fmt}")
