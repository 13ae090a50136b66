"""Initial schema: every collection of kci_backend/models as of the first release.

Generated with Alembic's autogenerate from the model declarations, then kept
as explicit operations; later model changes get their own revisions
(tests/store/test_migrations.py fails when the models and migrations differ).

Revision ID: 0001
Revises:
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('bisect',
    sa.Column('_id', sa.String(length=24), nullable=False),
    sa.Column('created_on', sa.DateTime(timezone=True).with_variant(sa.BigInteger(), 'sqlite'), nullable=True),
    sa.Column('type', sa.Text(), nullable=True),
    sa.Column('version', sa.Text(), nullable=True),
    sa.Column('compare_to', sa.Text(), nullable=True),
    sa.Column('good_commit', sa.Text(), nullable=True),
    sa.Column('bad_commit', sa.Text(), nullable=True),
    sa.Column('good_commit_url', sa.Text(), nullable=True),
    sa.Column('bad_commit_url', sa.Text(), nullable=True),
    sa.Column('good_commit_date', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('bad_commit_date', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('job', sa.Text(), nullable=True),
    sa.Column('job_id', sa.String(length=24), nullable=True),
    sa.Column('kernel', sa.Text(), nullable=True),
    sa.Column('git_branch', sa.Text(), nullable=True),
    sa.Column('git_url', sa.Text(), nullable=True),
    sa.Column('arch', sa.Text(), nullable=True),
    sa.Column('defconfig', sa.Text(), nullable=True),
    sa.Column('defconfig_full', sa.Text(), nullable=True),
    sa.Column('compiler', sa.Text(), nullable=True),
    sa.Column('compiler_version', sa.Text(), nullable=True),
    sa.Column('build_environment', sa.Text(), nullable=True),
    sa.Column('build_id', sa.String(length=24), nullable=True),
    sa.Column('good_summary', sa.Text(), nullable=True),
    sa.Column('bad_summary', sa.Text(), nullable=True),
    sa.Column('found_summary', sa.Text(), nullable=True),
    sa.Column('log', sa.Text(), nullable=True),
    sa.Column('checks', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('bisect_data', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('boot_id', sa.String(length=24), nullable=True),
    sa.Column('board', sa.Text(), nullable=True),
    sa.Column('lab_name', sa.Text(), nullable=True),
    sa.Column('device_type', sa.Text(), nullable=True),
    sa.Column('plan', sa.Text(), nullable=True),
    sa.Column('plan_variant', sa.Text(), nullable=True),
    sa.Column('test_case_path', sa.Text(), nullable=True),
    sa.Column('regression_id', sa.String(length=24), nullable=True),
    sa.Column('cache_key', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('_id', name=op.f('pk_bisect'))
    )
    op.create_index(op.f('ix_bisect_boot_id_compare_to'), 'bisect', ['boot_id', 'compare_to'], unique=False)
    op.create_index(op.f('ix_bisect_build_id_compare_to'), 'bisect', ['build_id', 'compare_to'], unique=False)
    op.create_index(op.f('ix_bisect_cache_key'), 'bisect', ['cache_key'], unique=True)
    op.create_index(op.f('ix_bisect_created_on'), 'bisect', ['created_on'], unique=False)
    op.create_index(op.f('ix_bisect_job_kernel_git_branch'), 'bisect', ['job', 'kernel', 'git_branch'], unique=False)
    op.create_table('boot',
    sa.Column('_id', sa.String(length=24), nullable=False),
    sa.Column('created_on', sa.DateTime(timezone=True).with_variant(sa.BigInteger(), 'sqlite'), nullable=True),
    sa.Column('version', sa.Text(), nullable=True),
    sa.Column('lab_name', sa.Text(), nullable=True),
    sa.Column('job', sa.Text(), nullable=True),
    sa.Column('kernel', sa.Text(), nullable=True),
    sa.Column('git_branch', sa.Text(), nullable=True),
    sa.Column('defconfig', sa.Text(), nullable=True),
    sa.Column('defconfig_full', sa.Text(), nullable=True),
    sa.Column('arch', sa.Text(), nullable=True),
    sa.Column('build_environment', sa.Text(), nullable=True),
    sa.Column('board', sa.Text(), nullable=True),
    sa.Column('board_instance', sa.Text(), nullable=True),
    sa.Column('device_type', sa.Text(), nullable=True),
    sa.Column('status', sa.Text(), nullable=True),
    sa.Column('boot_result_description', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('time', sa.DateTime(timezone=True).with_variant(sa.BigInteger(), 'sqlite'), nullable=True),
    sa.Column('retries', sa.BigInteger(), nullable=True),
    sa.Column('warnings', sa.BigInteger(), nullable=True),
    sa.Column('boot_log', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('boot_log_html', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('dtb', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('dtb_addr', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('dtb_append', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('endian', sa.Text(), nullable=True),
    sa.Column('fastboot', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('fastboot_cmd', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('initrd', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('initrd_addr', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('kernel_image', sa.Text(), nullable=True),
    sa.Column('load_addr', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('uimage', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('uimage_addr', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('qemu', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('qemu_command', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('filesystem', sa.Text(), nullable=True),
    sa.Column('chainloader', sa.Text(), nullable=True),
    sa.Column('bootloader', sa.Text(), nullable=True),
    sa.Column('bootloader_version', sa.Text(), nullable=True),
    sa.Column('boot_job_id', sa.Text(), nullable=True),
    sa.Column('boot_job_path', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('boot_job_url', sa.Text(), nullable=True),
    sa.Column('mach', sa.Text(), nullable=True),
    sa.Column('metadata', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('file_server_url', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('file_server_resource', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('git_commit', sa.Text(), nullable=True),
    sa.Column('git_describe', sa.Text(), nullable=True),
    sa.Column('git_url', sa.Text(), nullable=True),
    sa.Column('job_id', sa.String(length=24), nullable=True),
    sa.Column('build_id', sa.String(length=24), nullable=True),
    sa.Column('compiler', sa.Text(), nullable=True),
    sa.Column('compiler_version', sa.Text(), nullable=True),
    sa.Column('compiler_version_ext', sa.Text(), nullable=True),
    sa.Column('compiler_version_full', sa.Text(), nullable=True),
    sa.Column('cross_compile', sa.Text(), nullable=True),
    sa.Column('kernel_image_size', sa.BigInteger(), nullable=True),
    sa.Column('plan', sa.Text(), nullable=True),
    sa.Column('plan_variant', sa.Text(), nullable=True),
    sa.Column('identity_key', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('_id', name=op.f('pk_boot'))
    )
    op.create_index(op.f('ix_boot_build_id'), 'boot', ['build_id'], unique=False)
    op.create_index(op.f('ix_boot_created_on'), 'boot', ['created_on'], unique=False)
    op.create_index(op.f('ix_boot_identity_key'), 'boot', ['identity_key'], unique=True)
    op.create_index(op.f('ix_boot_job_git_branch_arch_defconfig_full_created_on'), 'boot', ['job', 'git_branch', 'arch', 'defconfig_full', 'created_on'], unique=False)
    op.create_index(op.f('ix_boot_job_id'), 'boot', ['job_id'], unique=False)
    op.create_index(op.f('ix_boot_job_kernel_git_branch_created_on'), 'boot', ['job', 'kernel', 'git_branch', 'created_on'], unique=False)
    op.create_index(op.f('ix_boot_job_kernel_lab_name_board'), 'boot', ['job', 'kernel', 'lab_name', 'board'], unique=False)
    op.create_index(op.f('ix_boot_lab_name_board_created_on'), 'boot', ['lab_name', 'board', 'created_on'], unique=False)
    op.create_index(op.f('ix_boot_status_created_on'), 'boot', ['status', 'created_on'], unique=False)
    op.create_table('boot_regressions',
    sa.Column('_id', sa.String(length=24), nullable=False),
    sa.Column('created_on', sa.DateTime(timezone=True).with_variant(sa.BigInteger(), 'sqlite'), nullable=True),
    sa.Column('job', sa.Text(), nullable=True),
    sa.Column('git_branch', sa.Text(), nullable=True),
    sa.Column('kernel', sa.Text(), nullable=True),
    sa.Column('job_id', sa.String(length=24), nullable=True),
    sa.Column('regressions', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.PrimaryKeyConstraint('_id', name=op.f('pk_boot_regressions'))
    )
    op.create_index(op.f('ix_boot_regressions_created_on'), 'boot_regressions', ['created_on'], unique=False)
    op.create_index(op.f('ix_boot_regressions_job_git_branch_kernel'), 'boot_regressions', ['job', 'git_branch', 'kernel'], unique=False)
    op.create_index(op.f('ix_boot_regressions_job_id'), 'boot_regressions', ['job_id'], unique=False)
    op.create_table('boot_regressions_by_boot_id',
    sa.Column('_id', sa.String(length=24), nullable=False),
    sa.Column('created_on', sa.DateTime(timezone=True).with_variant(sa.BigInteger(), 'sqlite'), nullable=True),
    sa.Column('boot_id', sa.String(length=24), nullable=True),
    sa.Column('boot_regressions_id', sa.String(length=24), nullable=True),
    sa.PrimaryKeyConstraint('_id', name=op.f('pk_boot_regressions_by_boot_id'))
    )
    op.create_index(op.f('ix_boot_regressions_by_boot_id_boot_id'), 'boot_regressions_by_boot_id', ['boot_id'], unique=True)
    op.create_index(op.f('ix_boot_regressions_by_boot_id_boot_regressions_id'), 'boot_regressions_by_boot_id', ['boot_regressions_id'], unique=False)
    op.create_index(op.f('ix_boot_regressions_by_boot_id_created_on'), 'boot_regressions_by_boot_id', ['created_on'], unique=False)
    op.create_table('build',
    sa.Column('_id', sa.String(length=24), nullable=False),
    sa.Column('created_on', sa.DateTime(timezone=True).with_variant(sa.BigInteger(), 'sqlite'), nullable=True),
    sa.Column('version', sa.Text(), nullable=True),
    sa.Column('job', sa.Text(), nullable=True),
    sa.Column('kernel', sa.Text(), nullable=True),
    sa.Column('git_branch', sa.Text(), nullable=True),
    sa.Column('job_id', sa.String(length=24), nullable=True),
    sa.Column('arch', sa.Text(), nullable=True),
    sa.Column('defconfig', sa.Text(), nullable=True),
    sa.Column('defconfig_full', sa.Text(), nullable=True),
    sa.Column('build_environment', sa.Text(), nullable=True),
    sa.Column('status', sa.Text(), nullable=True),
    sa.Column('errors', sa.BigInteger(), nullable=True),
    sa.Column('warnings', sa.BigInteger(), nullable=True),
    sa.Column('mismatches', sa.BigInteger(), nullable=True),
    sa.Column('build_time', sa.Float(), nullable=True),
    sa.Column('build_type', sa.Text(), nullable=True),
    sa.Column('build_platform', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('git_url', sa.Text(), nullable=True),
    sa.Column('git_commit', sa.Text(), nullable=True),
    sa.Column('git_describe', sa.Text(), nullable=True),
    sa.Column('git_describe_v', sa.Text(), nullable=True),
    sa.Column('kernel_version', sa.Text(), nullable=True),
    sa.Column('compiler', sa.Text(), nullable=True),
    sa.Column('compiler_version', sa.Text(), nullable=True),
    sa.Column('compiler_version_full', sa.Text(), nullable=True),
    sa.Column('compiler_version_ext', sa.Text(), nullable=True),
    sa.Column('cross_compile', sa.Text(), nullable=True),
    sa.Column('kconfig_fragments', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('kernel_config', sa.Text(), nullable=True),
    sa.Column('kernel_config_size', sa.BigInteger(), nullable=True),
    sa.Column('kernel_image', sa.Text(), nullable=True),
    sa.Column('kernel_image_size', sa.BigInteger(), nullable=True),
    sa.Column('system_map', sa.Text(), nullable=True),
    sa.Column('system_map_size', sa.BigInteger(), nullable=True),
    sa.Column('modules', sa.Text(), nullable=True),
    sa.Column('modules_size', sa.BigInteger(), nullable=True),
    sa.Column('modules_dir', sa.Text(), nullable=True),
    sa.Column('dtb_dir', sa.Text(), nullable=True),
    sa.Column('dtb_dir_data', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('build_log', sa.Text(), nullable=True),
    sa.Column('build_log_size', sa.BigInteger(), nullable=True),
    sa.Column('kernel_build_logs', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('text_offset', sa.Text(), nullable=True),
    sa.Column('vmlinux_bss_size', sa.BigInteger(), nullable=True),
    sa.Column('vmlinux_data_size', sa.BigInteger(), nullable=True),
    sa.Column('vmlinux_file_size', sa.BigInteger(), nullable=True),
    sa.Column('vmlinux_text_size', sa.BigInteger(), nullable=True),
    sa.Column('file_server_url', sa.Text(), nullable=True),
    sa.Column('file_server_resource', sa.Text(), nullable=True),
    sa.Column('metadata', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('dirname', sa.Text(), nullable=True),
    sa.Column('identity_key', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('_id', name=op.f('pk_build'))
    )
    op.create_index(op.f('ix_build_arch_defconfig_full'), 'build', ['arch', 'defconfig_full'], unique=False)
    op.create_index(op.f('ix_build_created_on'), 'build', ['created_on'], unique=False)
    op.create_index(op.f('ix_build_defconfig_full_created_on'), 'build', ['defconfig_full', 'created_on'], unique=False)
    op.create_index(op.f('ix_build_git_commit'), 'build', ['git_commit'], unique=False)
    op.create_index(op.f('ix_build_identity_key'), 'build', ['identity_key'], unique=True)
    op.create_index(op.f('ix_build_job_created_on'), 'build', ['job', 'created_on'], unique=False)
    op.create_index(op.f('ix_build_job_id'), 'build', ['job_id'], unique=False)
    op.create_index(op.f('ix_build_job_kernel_git_branch'), 'build', ['job', 'kernel', 'git_branch'], unique=False)
    op.create_index(op.f('ix_build_kernel_created_on'), 'build', ['kernel', 'created_on'], unique=False)
    op.create_index(op.f('ix_build_status_created_on'), 'build', ['status', 'created_on'], unique=False)
    op.create_table('daily_stats',
    sa.Column('_id', sa.String(length=24), nullable=False),
    sa.Column('created_on', sa.DateTime(timezone=True).with_variant(sa.BigInteger(), 'sqlite'), nullable=True),
    sa.Column('start_date', sa.DateTime(timezone=True).with_variant(sa.BigInteger(), 'sqlite'), nullable=True),
    sa.Column('version', sa.Text(), nullable=True),
    sa.Column('total_jobs', sa.BigInteger(), nullable=True),
    sa.Column('total_unique_trees', sa.BigInteger(), nullable=True),
    sa.Column('total_unique_kernels', sa.BigInteger(), nullable=True),
    sa.Column('total_builds', sa.BigInteger(), nullable=True),
    sa.Column('total_unique_defconfigs', sa.BigInteger(), nullable=True),
    sa.Column('total_boots', sa.BigInteger(), nullable=True),
    sa.Column('total_unique_archs', sa.BigInteger(), nullable=True),
    sa.Column('total_unique_boards', sa.BigInteger(), nullable=True),
    sa.Column('total_unique_machs', sa.BigInteger(), nullable=True),
    sa.Column('daily_total_jobs', sa.BigInteger(), nullable=True),
    sa.Column('daily_unique_trees', sa.BigInteger(), nullable=True),
    sa.Column('daily_unique_kernels', sa.BigInteger(), nullable=True),
    sa.Column('daily_total_builds', sa.BigInteger(), nullable=True),
    sa.Column('daily_unique_defconfigs', sa.BigInteger(), nullable=True),
    sa.Column('daily_total_boots', sa.BigInteger(), nullable=True),
    sa.Column('daily_unique_archs', sa.BigInteger(), nullable=True),
    sa.Column('daily_unique_boards', sa.BigInteger(), nullable=True),
    sa.Column('daily_unique_machs', sa.BigInteger(), nullable=True),
    sa.Column('weekly_total_jobs', sa.BigInteger(), nullable=True),
    sa.Column('weekly_unique_trees', sa.BigInteger(), nullable=True),
    sa.Column('weekly_unique_kernels', sa.BigInteger(), nullable=True),
    sa.Column('weekly_total_builds', sa.BigInteger(), nullable=True),
    sa.Column('weekly_unique_defconfigs', sa.BigInteger(), nullable=True),
    sa.Column('weekly_total_boots', sa.BigInteger(), nullable=True),
    sa.Column('weekly_unique_archs', sa.BigInteger(), nullable=True),
    sa.Column('weekly_unique_boards', sa.BigInteger(), nullable=True),
    sa.Column('weekly_unique_machs', sa.BigInteger(), nullable=True),
    sa.Column('biweekly_total_jobs', sa.BigInteger(), nullable=True),
    sa.Column('biweekly_unique_trees', sa.BigInteger(), nullable=True),
    sa.Column('biweekly_unique_kernels', sa.BigInteger(), nullable=True),
    sa.Column('biweekly_total_builds', sa.BigInteger(), nullable=True),
    sa.Column('biweekly_unique_defconfigs', sa.BigInteger(), nullable=True),
    sa.Column('biweekly_total_boots', sa.BigInteger(), nullable=True),
    sa.Column('biweekly_unique_archs', sa.BigInteger(), nullable=True),
    sa.Column('biweekly_unique_boards', sa.BigInteger(), nullable=True),
    sa.Column('biweekly_unique_machs', sa.BigInteger(), nullable=True),
    sa.Column('slot', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('_id', name=op.f('pk_daily_stats'))
    )
    op.create_index(op.f('ix_daily_stats_created_on'), 'daily_stats', ['created_on'], unique=False)
    op.create_index(op.f('ix_daily_stats_slot'), 'daily_stats', ['slot'], unique=True)
    op.create_table('dedup',
    sa.Column('_id', sa.String(length=24), nullable=False),
    sa.Column('created_on', sa.DateTime(timezone=True).with_variant(sa.BigInteger(), 'sqlite'), nullable=True),
    sa.Column('dedup_key', sa.Text(), nullable=True),
    sa.Column('expires_on', sa.DateTime(timezone=True).with_variant(sa.BigInteger(), 'sqlite'), nullable=True),
    sa.PrimaryKeyConstraint('_id', name=op.f('pk_dedup'))
    )
    op.create_index(op.f('ix_dedup_created_on'), 'dedup', ['created_on'], unique=False)
    op.create_index(op.f('ix_dedup_dedup_key'), 'dedup', ['dedup_key'], unique=True)
    op.create_index(op.f('ix_dedup_expires_on'), 'dedup', ['expires_on'], unique=False)
    op.create_table('error_logs',
    sa.Column('_id', sa.String(length=24), nullable=False),
    sa.Column('created_on', sa.DateTime(timezone=True).with_variant(sa.BigInteger(), 'sqlite'), nullable=True),
    sa.Column('version', sa.Text(), nullable=True),
    sa.Column('build_id', sa.String(length=24), nullable=True),
    sa.Column('job_id', sa.String(length=24), nullable=True),
    sa.Column('job', sa.Text(), nullable=True),
    sa.Column('kernel', sa.Text(), nullable=True),
    sa.Column('git_branch', sa.Text(), nullable=True),
    sa.Column('arch', sa.Text(), nullable=True),
    sa.Column('defconfig', sa.Text(), nullable=True),
    sa.Column('defconfig_full', sa.Text(), nullable=True),
    sa.Column('build_environment', sa.Text(), nullable=True),
    sa.Column('status', sa.Text(), nullable=True),
    sa.Column('compiler', sa.Text(), nullable=True),
    sa.Column('compiler_version', sa.Text(), nullable=True),
    sa.Column('compiler_version_ext', sa.Text(), nullable=True),
    sa.Column('compiler_version_full', sa.Text(), nullable=True),
    sa.Column('file_server_url', sa.Text(), nullable=True),
    sa.Column('file_server_resource', sa.Text(), nullable=True),
    sa.Column('errors', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('errors_count', sa.BigInteger(), nullable=True),
    sa.Column('warnings', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('warnings_count', sa.BigInteger(), nullable=True),
    sa.Column('mismatches', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('mismatches_count', sa.BigInteger(), nullable=True),
    sa.PrimaryKeyConstraint('_id', name=op.f('pk_error_logs'))
    )
    op.create_index(op.f('ix_error_logs_build_id'), 'error_logs', ['build_id'], unique=True)
    op.create_index(op.f('ix_error_logs_created_on'), 'error_logs', ['created_on'], unique=False)
    op.create_index(op.f('ix_error_logs_job_id'), 'error_logs', ['job_id'], unique=False)
    op.create_index(op.f('ix_error_logs_job_kernel_git_branch'), 'error_logs', ['job', 'kernel', 'git_branch'], unique=False)
    op.create_table('errors_summary',
    sa.Column('_id', sa.String(length=24), nullable=False),
    sa.Column('created_on', sa.DateTime(timezone=True).with_variant(sa.BigInteger(), 'sqlite'), nullable=True),
    sa.Column('version', sa.Text(), nullable=True),
    sa.Column('job_id', sa.String(length=24), nullable=True),
    sa.Column('job', sa.Text(), nullable=True),
    sa.Column('kernel', sa.Text(), nullable=True),
    sa.Column('git_branch', sa.Text(), nullable=True),
    sa.Column('errors', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('warnings', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('mismatches', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.PrimaryKeyConstraint('_id', name=op.f('pk_errors_summary'))
    )
    op.create_index(op.f('ix_errors_summary_created_on'), 'errors_summary', ['created_on'], unique=False)
    op.create_index(op.f('ix_errors_summary_job_id'), 'errors_summary', ['job_id'], unique=True)
    op.create_index(op.f('ix_errors_summary_job_kernel_git_branch'), 'errors_summary', ['job', 'kernel', 'git_branch'], unique=False)
    op.create_table('job',
    sa.Column('_id', sa.String(length=24), nullable=False),
    sa.Column('created_on', sa.DateTime(timezone=True).with_variant(sa.BigInteger(), 'sqlite'), nullable=True),
    sa.Column('version', sa.Text(), nullable=True),
    sa.Column('job', sa.Text(), nullable=True),
    sa.Column('kernel', sa.Text(), nullable=True),
    sa.Column('git_branch', sa.Text(), nullable=True),
    sa.Column('status', sa.Text(), nullable=True),
    sa.Column('private', sa.Boolean(), nullable=True),
    sa.Column('git_commit', sa.Text(), nullable=True),
    sa.Column('git_describe', sa.Text(), nullable=True),
    sa.Column('git_describe_v', sa.Text(), nullable=True),
    sa.Column('git_url', sa.Text(), nullable=True),
    sa.Column('kernel_version', sa.Text(), nullable=True),
    sa.Column('compiler', sa.Text(), nullable=True),
    sa.Column('compiler_version', sa.Text(), nullable=True),
    sa.Column('compiler_version_ext', sa.Text(), nullable=True),
    sa.Column('compiler_version_full', sa.Text(), nullable=True),
    sa.Column('cross_compile', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('_id', name=op.f('pk_job'))
    )
    op.create_index(op.f('ix_job_created_on'), 'job', ['created_on'], unique=False)
    op.create_index(op.f('ix_job_git_branch_created_on'), 'job', ['git_branch', 'created_on'], unique=False)
    op.create_index(op.f('ix_job_job_created_on'), 'job', ['job', 'created_on'], unique=False)
    op.create_index(op.f('ix_job_job_kernel_git_branch'), 'job', ['job', 'kernel', 'git_branch'], unique=True)
    op.create_index(op.f('ix_job_kernel_created_on'), 'job', ['kernel', 'created_on'], unique=False)
    op.create_index(op.f('ix_job_status_created_on'), 'job', ['status', 'created_on'], unique=False)
    op.create_table('lab',
    sa.Column('_id', sa.String(length=24), nullable=False),
    sa.Column('created_on', sa.DateTime(timezone=True).with_variant(sa.BigInteger(), 'sqlite'), nullable=True),
    sa.Column('name', sa.Text(), nullable=True),
    sa.Column('contact', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('address', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('private', sa.Boolean(), nullable=True),
    sa.Column('token', sa.String(length=24), nullable=True),
    sa.Column('updated_on', sa.DateTime(timezone=True).with_variant(sa.BigInteger(), 'sqlite'), nullable=True),
    sa.Column('version', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('_id', name=op.f('pk_lab'))
    )
    op.create_index(op.f('ix_lab_created_on'), 'lab', ['created_on'], unique=False)
    op.create_index(op.f('ix_lab_name'), 'lab', ['name'], unique=True)
    op.create_index(op.f('ix_lab_token'), 'lab', ['token'], unique=False)
    op.create_table('report',
    sa.Column('_id', sa.String(length=24), nullable=False),
    sa.Column('created_on', sa.DateTime(timezone=True).with_variant(sa.BigInteger(), 'sqlite'), nullable=True),
    sa.Column('name', sa.Text(), nullable=True),
    sa.Column('job', sa.Text(), nullable=True),
    sa.Column('git_branch', sa.Text(), nullable=True),
    sa.Column('kernel', sa.Text(), nullable=True),
    sa.Column('type', sa.Text(), nullable=True),
    sa.Column('status', sa.Text(), nullable=True),
    sa.Column('errors', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('updated_on', sa.DateTime(timezone=True).with_variant(sa.BigInteger(), 'sqlite'), nullable=True),
    sa.Column('version', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('_id', name=op.f('pk_report'))
    )
    op.create_index(op.f('ix_report_created_on'), 'report', ['created_on'], unique=False)
    op.create_index(op.f('ix_report_job_git_branch_kernel_name_type'), 'report', ['job', 'git_branch', 'kernel', 'name', 'type'], unique=True)
    op.create_index(op.f('ix_report_status_created_on'), 'report', ['status', 'created_on'], unique=False)
    op.create_table('task',
    sa.Column('_id', sa.String(length=24), nullable=False),
    sa.Column('created_on', sa.DateTime(timezone=True).with_variant(sa.BigInteger(), 'sqlite'), nullable=True),
    sa.Column('kind', sa.Text(), nullable=True),
    sa.Column('payload', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('run_at', sa.DateTime(timezone=True).with_variant(sa.BigInteger(), 'sqlite'), nullable=True),
    sa.Column('state', sa.Text(), nullable=True),
    sa.Column('attempts', sa.BigInteger(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('claimed_by', sa.Text(), nullable=True),
    sa.Column('claimed_until', sa.DateTime(timezone=True).with_variant(sa.BigInteger(), 'sqlite'), nullable=True),
    sa.Column('updated_on', sa.DateTime(timezone=True).with_variant(sa.BigInteger(), 'sqlite'), nullable=True),
    sa.PrimaryKeyConstraint('_id', name=op.f('pk_task'))
    )
    op.create_index(op.f('ix_task_created_on'), 'task', ['created_on'], unique=False)
    op.create_index(op.f('ix_task_state_run_at'), 'task', ['state', 'run_at'], unique=False)
    op.create_index(op.f('ix_task_state_updated_on'), 'task', ['state', 'updated_on'], unique=False)
    op.create_table('test_case',
    sa.Column('_id', sa.String(length=24), nullable=False),
    sa.Column('created_on', sa.DateTime(timezone=True).with_variant(sa.BigInteger(), 'sqlite'), nullable=True),
    sa.Column('version', sa.Text(), nullable=True),
    sa.Column('name', sa.Text(), nullable=True),
    sa.Column('status', sa.Text(), nullable=True),
    sa.Column('time', sa.Float(), nullable=True),
    sa.Column('index', sa.BigInteger(), nullable=True),
    sa.Column('test_group_id', sa.String(length=24), nullable=True),
    sa.Column('plan', sa.Text(), nullable=True),
    sa.Column('test_case_path', sa.Text(), nullable=True),
    sa.Column('regression_id', sa.String(length=24), nullable=True),
    sa.Column('measurements', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('log_lines', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('arch', sa.Text(), nullable=True),
    sa.Column('build_environment', sa.Text(), nullable=True),
    sa.Column('defconfig_full', sa.Text(), nullable=True),
    sa.Column('device_type', sa.Text(), nullable=True),
    sa.Column('git_branch', sa.Text(), nullable=True),
    sa.Column('git_commit', sa.Text(), nullable=True),
    sa.Column('job', sa.Text(), nullable=True),
    sa.Column('kernel', sa.Text(), nullable=True),
    sa.Column('lab_name', sa.Text(), nullable=True),
    sa.Column('mach', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('_id', name=op.f('pk_test_case'))
    )
    op.create_index(op.f('ix_test_case_created_on'), 'test_case', ['created_on'], unique=False)
    op.create_index(op.f('ix_test_case_job_git_branch_kernel_plan_status'), 'test_case', ['job', 'git_branch', 'kernel', 'plan', 'status'], unique=False)
    op.create_index(op.f('ix_test_case_lab_name_device_type'), 'test_case', ['lab_name', 'device_type'], unique=False)
    op.create_index(op.f('ix_test_case_regression_id'), 'test_case', ['regression_id'], unique=False)
    op.create_index(op.f('ix_test_case_test_group_id_name_kernel'), 'test_case', ['test_group_id', 'name', 'kernel'], unique=True)
    op.create_table('test_group',
    sa.Column('_id', sa.String(length=24), nullable=False),
    sa.Column('created_on', sa.DateTime(timezone=True).with_variant(sa.BigInteger(), 'sqlite'), nullable=True),
    sa.Column('version', sa.Text(), nullable=True),
    sa.Column('name', sa.Text(), nullable=True),
    sa.Column('lab_name', sa.Text(), nullable=True),
    sa.Column('time', sa.Float(), nullable=True),
    sa.Column('parent_id', sa.String(length=24), nullable=True),
    sa.Column('index', sa.BigInteger(), nullable=True),
    sa.Column('test_cases', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('sub_groups', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('arch', sa.Text(), nullable=True),
    sa.Column('build_environment', sa.Text(), nullable=True),
    sa.Column('defconfig', sa.Text(), nullable=True),
    sa.Column('defconfig_full', sa.Text(), nullable=True),
    sa.Column('device_type', sa.Text(), nullable=True),
    sa.Column('git_branch', sa.Text(), nullable=True),
    sa.Column('git_commit', sa.Text(), nullable=True),
    sa.Column('git_describe', sa.Text(), nullable=True),
    sa.Column('git_url', sa.Text(), nullable=True),
    sa.Column('job', sa.Text(), nullable=True),
    sa.Column('kernel', sa.Text(), nullable=True),
    sa.Column('board_instance', sa.Text(), nullable=True),
    sa.Column('boot_log', sa.Text(), nullable=True),
    sa.Column('boot_log_html', sa.Text(), nullable=True),
    sa.Column('boot_result_description', sa.Text(), nullable=True),
    sa.Column('dtb', sa.Text(), nullable=True),
    sa.Column('endian', sa.Text(), nullable=True),
    sa.Column('file_server_resource', sa.Text(), nullable=True),
    sa.Column('initrd', sa.Text(), nullable=True),
    sa.Column('initrd_info', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('kernel_image', sa.Text(), nullable=True),
    sa.Column('mach', sa.Text(), nullable=True),
    sa.Column('plan_variant', sa.Text(), nullable=True),
    sa.Column('warnings', sa.BigInteger(), nullable=True),
    sa.Column('job_id', sa.String(length=24), nullable=True),
    sa.Column('build_id', sa.String(length=24), nullable=True),
    sa.Column('compiler', sa.Text(), nullable=True),
    sa.Column('compiler_version', sa.Text(), nullable=True),
    sa.Column('compiler_version_full', sa.Text(), nullable=True),
    sa.Column('cross_compile', sa.Text(), nullable=True),
    sa.Column('modules', sa.Text(), nullable=True),
    sa.Column('identity_key', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('_id', name=op.f('pk_test_group'))
    )
    op.create_index(op.f('ix_test_group_build_id'), 'test_group', ['build_id'], unique=False)
    op.create_index(op.f('ix_test_group_created_on'), 'test_group', ['created_on'], unique=False)
    op.create_index(op.f('ix_test_group_identity_key'), 'test_group', ['identity_key'], unique=True)
    op.create_index(op.f('ix_test_group_job_git_branch_name_created_on'), 'test_group', ['job', 'git_branch', 'name', 'created_on'], unique=False)
    op.create_index(op.f('ix_test_group_job_kernel_git_branch'), 'test_group', ['job', 'kernel', 'git_branch'], unique=False)
    op.create_index(op.f('ix_test_group_lab_name_board_instance'), 'test_group', ['lab_name', 'board_instance'], unique=False)
    op.create_index(op.f('ix_test_group_parent_id'), 'test_group', ['parent_id'], unique=False)
    op.create_table('test_regression',
    sa.Column('_id', sa.String(length=24), nullable=False),
    sa.Column('created_on', sa.DateTime(timezone=True).with_variant(sa.BigInteger(), 'sqlite'), nullable=True),
    sa.Column('version', sa.Text(), nullable=True),
    sa.Column('job', sa.Text(), nullable=True),
    sa.Column('git_branch', sa.Text(), nullable=True),
    sa.Column('arch', sa.Text(), nullable=True),
    sa.Column('device_type', sa.Text(), nullable=True),
    sa.Column('lab_name', sa.Text(), nullable=True),
    sa.Column('defconfig_full', sa.Text(), nullable=True),
    sa.Column('build_environment', sa.Text(), nullable=True),
    sa.Column('kernel', sa.Text(), nullable=True),
    sa.Column('compiler', sa.Text(), nullable=True),
    sa.Column('compiler_version', sa.Text(), nullable=True),
    sa.Column('git_url', sa.Text(), nullable=True),
    sa.Column('mach', sa.Text(), nullable=True),
    sa.Column('hierarchy', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('test_case_path', sa.Text(), nullable=True),
    sa.Column('plan', sa.Text(), nullable=True),
    sa.Column('regressions', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('identity_key', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('_id', name=op.f('pk_test_regression'))
    )
    op.create_index(op.f('ix_test_regression_created_on'), 'test_regression', ['created_on'], unique=False)
    op.create_index(op.f('ix_test_regression_identity_key'), 'test_regression', ['identity_key'], unique=True)
    op.create_index(op.f('ix_test_regression_job_kernel_git_branch_plan'), 'test_regression', ['job', 'kernel', 'git_branch', 'plan'], unique=False)
    op.create_table('token',
    sa.Column('_id', sa.String(length=24), nullable=False),
    sa.Column('created_on', sa.DateTime(timezone=True).with_variant(sa.BigInteger(), 'sqlite'), nullable=True),
    sa.Column('token_hash', sa.Text(), nullable=True),
    sa.Column('token_prefix', sa.Text(), nullable=True),
    sa.Column('email', sa.Text(), nullable=True),
    sa.Column('username', sa.Text(), nullable=True),
    sa.Column('expires_on', sa.DateTime(timezone=True).with_variant(sa.BigInteger(), 'sqlite'), nullable=True),
    sa.Column('expired', sa.Boolean(), nullable=True),
    sa.Column('ip_address', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('properties', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('version', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('_id', name=op.f('pk_token'))
    )
    op.create_index(op.f('ix_token_created_on'), 'token', ['created_on'], unique=False)
    op.create_index(op.f('ix_token_token_hash'), 'token', ['token_hash'], unique=True)


def downgrade() -> None:
    op.drop_index(op.f('ix_token_token_hash'), table_name='token')
    op.drop_index(op.f('ix_token_created_on'), table_name='token')
    op.drop_table('token')
    op.drop_index(op.f('ix_test_regression_job_kernel_git_branch_plan'), table_name='test_regression')
    op.drop_index(op.f('ix_test_regression_identity_key'), table_name='test_regression')
    op.drop_index(op.f('ix_test_regression_created_on'), table_name='test_regression')
    op.drop_table('test_regression')
    op.drop_index(op.f('ix_test_group_parent_id'), table_name='test_group')
    op.drop_index(op.f('ix_test_group_lab_name_board_instance'), table_name='test_group')
    op.drop_index(op.f('ix_test_group_job_kernel_git_branch'), table_name='test_group')
    op.drop_index(op.f('ix_test_group_job_git_branch_name_created_on'), table_name='test_group')
    op.drop_index(op.f('ix_test_group_identity_key'), table_name='test_group')
    op.drop_index(op.f('ix_test_group_created_on'), table_name='test_group')
    op.drop_index(op.f('ix_test_group_build_id'), table_name='test_group')
    op.drop_table('test_group')
    op.drop_index(op.f('ix_test_case_test_group_id_name_kernel'), table_name='test_case')
    op.drop_index(op.f('ix_test_case_regression_id'), table_name='test_case')
    op.drop_index(op.f('ix_test_case_lab_name_device_type'), table_name='test_case')
    op.drop_index(op.f('ix_test_case_job_git_branch_kernel_plan_status'), table_name='test_case')
    op.drop_index(op.f('ix_test_case_created_on'), table_name='test_case')
    op.drop_table('test_case')
    op.drop_index(op.f('ix_task_state_updated_on'), table_name='task')
    op.drop_index(op.f('ix_task_state_run_at'), table_name='task')
    op.drop_index(op.f('ix_task_created_on'), table_name='task')
    op.drop_table('task')
    op.drop_index(op.f('ix_report_status_created_on'), table_name='report')
    op.drop_index(op.f('ix_report_job_git_branch_kernel_name_type'), table_name='report')
    op.drop_index(op.f('ix_report_created_on'), table_name='report')
    op.drop_table('report')
    op.drop_index(op.f('ix_lab_token'), table_name='lab')
    op.drop_index(op.f('ix_lab_name'), table_name='lab')
    op.drop_index(op.f('ix_lab_created_on'), table_name='lab')
    op.drop_table('lab')
    op.drop_index(op.f('ix_job_status_created_on'), table_name='job')
    op.drop_index(op.f('ix_job_kernel_created_on'), table_name='job')
    op.drop_index(op.f('ix_job_job_kernel_git_branch'), table_name='job')
    op.drop_index(op.f('ix_job_job_created_on'), table_name='job')
    op.drop_index(op.f('ix_job_git_branch_created_on'), table_name='job')
    op.drop_index(op.f('ix_job_created_on'), table_name='job')
    op.drop_table('job')
    op.drop_index(op.f('ix_errors_summary_job_kernel_git_branch'), table_name='errors_summary')
    op.drop_index(op.f('ix_errors_summary_job_id'), table_name='errors_summary')
    op.drop_index(op.f('ix_errors_summary_created_on'), table_name='errors_summary')
    op.drop_table('errors_summary')
    op.drop_index(op.f('ix_error_logs_job_kernel_git_branch'), table_name='error_logs')
    op.drop_index(op.f('ix_error_logs_job_id'), table_name='error_logs')
    op.drop_index(op.f('ix_error_logs_created_on'), table_name='error_logs')
    op.drop_index(op.f('ix_error_logs_build_id'), table_name='error_logs')
    op.drop_table('error_logs')
    op.drop_index(op.f('ix_dedup_expires_on'), table_name='dedup')
    op.drop_index(op.f('ix_dedup_dedup_key'), table_name='dedup')
    op.drop_index(op.f('ix_dedup_created_on'), table_name='dedup')
    op.drop_table('dedup')
    op.drop_index(op.f('ix_daily_stats_slot'), table_name='daily_stats')
    op.drop_index(op.f('ix_daily_stats_created_on'), table_name='daily_stats')
    op.drop_table('daily_stats')
    op.drop_index(op.f('ix_build_status_created_on'), table_name='build')
    op.drop_index(op.f('ix_build_kernel_created_on'), table_name='build')
    op.drop_index(op.f('ix_build_job_kernel_git_branch'), table_name='build')
    op.drop_index(op.f('ix_build_job_id'), table_name='build')
    op.drop_index(op.f('ix_build_job_created_on'), table_name='build')
    op.drop_index(op.f('ix_build_identity_key'), table_name='build')
    op.drop_index(op.f('ix_build_git_commit'), table_name='build')
    op.drop_index(op.f('ix_build_defconfig_full_created_on'), table_name='build')
    op.drop_index(op.f('ix_build_created_on'), table_name='build')
    op.drop_index(op.f('ix_build_arch_defconfig_full'), table_name='build')
    op.drop_table('build')
    op.drop_index(op.f('ix_boot_regressions_by_boot_id_created_on'), table_name='boot_regressions_by_boot_id')
    op.drop_index(op.f('ix_boot_regressions_by_boot_id_boot_regressions_id'), table_name='boot_regressions_by_boot_id')
    op.drop_index(op.f('ix_boot_regressions_by_boot_id_boot_id'), table_name='boot_regressions_by_boot_id')
    op.drop_table('boot_regressions_by_boot_id')
    op.drop_index(op.f('ix_boot_regressions_job_id'), table_name='boot_regressions')
    op.drop_index(op.f('ix_boot_regressions_job_git_branch_kernel'), table_name='boot_regressions')
    op.drop_index(op.f('ix_boot_regressions_created_on'), table_name='boot_regressions')
    op.drop_table('boot_regressions')
    op.drop_index(op.f('ix_boot_status_created_on'), table_name='boot')
    op.drop_index(op.f('ix_boot_lab_name_board_created_on'), table_name='boot')
    op.drop_index(op.f('ix_boot_job_kernel_lab_name_board'), table_name='boot')
    op.drop_index(op.f('ix_boot_job_kernel_git_branch_created_on'), table_name='boot')
    op.drop_index(op.f('ix_boot_job_id'), table_name='boot')
    op.drop_index(op.f('ix_boot_job_git_branch_arch_defconfig_full_created_on'), table_name='boot')
    op.drop_index(op.f('ix_boot_identity_key'), table_name='boot')
    op.drop_index(op.f('ix_boot_created_on'), table_name='boot')
    op.drop_index(op.f('ix_boot_build_id'), table_name='boot')
    op.drop_table('boot')
    op.drop_index(op.f('ix_bisect_job_kernel_git_branch'), table_name='bisect')
    op.drop_index(op.f('ix_bisect_created_on'), table_name='bisect')
    op.drop_index(op.f('ix_bisect_cache_key'), table_name='bisect')
    op.drop_index(op.f('ix_bisect_build_id_compare_to'), table_name='bisect')
    op.drop_index(op.f('ix_bisect_boot_id_compare_to'), table_name='bisect')
    op.drop_table('bisect')
