"""Build upload files the way Excel, WPS and hand-edited CSVs produce them."""

from __future__ import annotations

import csv
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

UNIT_HEADER = ["单位编码", "单位名称", "上级单位编码", "层级", "单位类别", "是否参加"]
USER_HEADER = ["用户名", "姓名", "电子邮箱", "角色", "单位编码或巡回指导组", "语言"]


def xlsx(rows, header=UNIT_HEADER, name="units.xlsx") -> SimpleUploadedFile:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def csv_file(rows, header=UNIT_HEADER, encoding="utf-8-sig", name="units.csv") -> SimpleUploadedFile:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return SimpleUploadedFile(name, buffer.getvalue().encode(encoding))
