import { Module } from '@nestjs/common';
import { AuditController } from './audit.controller';
import { AuditReader } from './audit-reader';
import { ReportsController } from './reports.controller';

/** The auditor's views: the audit log and its verification, the exceptions export, the report. */
@Module({ controllers: [AuditController, ReportsController], providers: [AuditReader] })
export class AuditModule {}
