import { describe, expect, it } from 'vitest';
import {
  assertNoTemplateSyntax,
  mergeCloudConfigs,
  renderBootstrapScript,
  renderCloudConfigYaml,
} from '../../provider/cloud-init.js';

const config = {
  systemUsers: ['smc'],
  packages: ['curl'],
  writeFiles: [
    { path: '/etc/smc/a.conf', content: 'one\n\ntwo\n', owner: 'smc:smc', permissions: '0640' },
    { path: '/etc/smc/b.conf', content: 'b' },
  ],
  runcmd: ['systemctl restart smc'],
};

describe('cloud-init rendering', () => {
  it('writes #cloud-config YAML with users, packages, files (deferred for service users) and commands', () => {
    expect(renderCloudConfigYaml(config, ['header'])).toBe(
      [
        '#cloud-config',
        '# header',
        'users:',
        '  - default',
        '  - name: smc',
        '    system: true',
        '    shell: /usr/sbin/nologin',
        'package_update: true',
        'packages:',
        '  - curl',
        'write_files:',
        '  - path: /etc/smc/a.conf',
        "    permissions: '0640'",
        '    owner: smc:smc',
        '    defer: true',
        '    content: |',
        '      one',
        '',
        '      two',
        '  - path: /etc/smc/b.conf',
        "    permissions: '0644'",
        '    owner: root:root',
        '    content: |',
        '      b',
        'runcmd:',
        '  - ["bash","-c","systemctl restart smc"]',
        '',
      ].join('\n'),
    );
  });

  it('writes the same as an idempotent bash script for existing hosts', () => {
    const script = renderBootstrapScript(config);
    expect(script).toContain(
      'id -u smc >/dev/null 2>&1 || useradd --system --shell /usr/sbin/nologin smc',
    );
    expect(script).toContain(
      "cat > '/etc/smc/a.conf' <<'SMC_FILE_END'\none\n\ntwo\nSMC_FILE_END\nchmod 0640 '/etc/smc/a.conf'\nchown smc:smc '/etc/smc/a.conf'",
    );
    expect(script.indexOf('--users-only')).toBeLessThan(
      script.indexOf('apt-get install -y -q curl'),
    );
    expect(script.trimEnd().endsWith('systemctl restart smc')).toBe(true);
  });

  it('merges parts: packages once, a later file replaces an earlier one', () => {
    const merged = mergeCloudConfigs(config, {
      ...config,
      writeFiles: [{ path: '/etc/smc/b.conf', content: 'new' }],
      runcmd: ['x'],
    });
    expect(merged.packages).toEqual(['curl']);
    expect(merged.writeFiles.map((f) => f.content)).toEqual(['one\n\ntwo\n', 'new']);
    expect(merged.runcmd).toEqual(['systemctl restart smc', 'x']);
  });

  it('refuses Terraform template syntax in literal text, but not references', () => {
    // Built up so the test source itself holds no template placeholders.
    const open = ['$', '{'].join('');
    expect(() => assertNoTemplateSyntax('/etc/x', `echo ${open}HOME}`)).toThrow(
      `/etc/x: contains Terraform template syntax near "echo ${open}HOME}"`,
    );
    expect(() => assertNoTemplateSyntax('/etc/x', 'if %{ if true }')).toThrow(/template syntax/);
    expect(() =>
      assertNoTemplateSyntax('/etc/x', `host=${open}TfToken[TOKEN.12]} $HOME $(date)`),
    ).not.toThrow();
    expect(() => renderBootstrapScript({ ...config, runcmd: [`echo ${open}PATH}`] })).toThrow(
      /^runcmd: contains/,
    );
  });
});
