"""Pages for importing a layout from a spreadsheet: template, upload, dry run, commit, and the
background job's progress."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from bangfu.core import import_files, jobs
from bangfu.core.imports import Layout
from bangfu.core.models import Job
from bangfu.core.spreadsheets import xlsx_response

MAX_UPLOAD_BYTES = 200 * 1024 * 1024
ALLOWED_SUFFIXES = (".xlsx", ".csv")


class UploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("文件"), help_text=gettext_lazy(".xlsx 或 .csv"))

    def clean_file(self) -> Any:
        from bangfu.core.security import check_upload

        upload = self.cleaned_data["file"]
        check_upload(upload, ALLOWED_SUFFIXES, MAX_UPLOAD_BYTES)
        if Path(upload.name).suffix.lower() == ".xlsx":
            from bangfu.core.uploads import check_xlsx

            check_xlsx(upload, Path(upload.name).name)
            upload.seek(0)
        return upload


def _layout(key: str, user: Any) -> Layout:
    layout = Layout.registry.get(key)
    if layout is None:
        raise Http404
    if not layout.may_import(user):
        raise PermissionDenied
    return layout


@login_required
def import_page(request: HttpRequest, key: str) -> HttpResponse:
    layout = _layout(key, request.user)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        path = import_files.save_upload(upload)
        job = jobs.submit(
            "import",
            request.user,
            {"layout": key, "path": str(path), "commit": False, "filename": upload.name},
            message=_("检查 {name}").format(name=upload.name),
        )
        return redirect("core:job", job.pk)
    recent = Job.objects.filter(user=request.user, kind="import", params__layout=key)[:10]
    return render(request, "core/import.html", {"layout": layout, "form": form, "recent": recent})


@login_required
def import_template(request: HttpRequest, key: str) -> HttpResponse:
    layout = _layout(key, request.user)
    name = _("{title}导入模板.xlsx").format(title=layout.title)
    return xlsx_response(layout.template_sheets(), name)


def _own_job(request: HttpRequest, pk: int) -> Job:
    return get_object_or_404(Job, pk=pk, user=request.user)


@login_required
def job_page(request: HttpRequest, pk: int) -> HttpResponse:
    job = _own_job(request, pk)
    layout = Layout.registry.get(job.params.get("layout", ""))
    context = {"job": job, "layout": layout, "result": job.result}
    if request.headers.get("HX-Request"):
        return render(request, "core/job_status.html", context)
    return render(request, "core/job.html", context)


@login_required
@require_POST
def job_commit(request: HttpRequest, pk: int) -> HttpResponse:
    """Import for real the file a clean dry run checked."""
    job = _own_job(request, pk)
    result = job.result or {}
    if job.kind != "import" or job.params.get("commit") or result.get("problem_count", 1):
        raise Http404
    _layout(job.params["layout"], request.user)
    if not import_files.available(job.params):
        messages.error(
            request,
            _("检查过的文件已按规定删除(超过{days}天未确认导入),请重新上传。").format(
                days=f"{import_files.keep_days():g}"
            ),
        )
        return redirect("core:import", job.params["layout"])
    commit = jobs.submit(
        "import",
        request.user,
        {**job.params, "commit": True, "checked_by": job.pk},
        message=_("导入 {name}").format(name=job.params.get("filename", "")),
    )
    return redirect("core:job", commit.pk)
